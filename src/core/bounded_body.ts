// Internal: reading a request body without letting the client choose how much memory it takes.
// Every body the project reads goes through here.

import { concatBytes } from "./bytes.ts";

/** A bounded body read: the text, or why it was refused. */
export type BoundedBody =
  | { ok: true; text: string }
  | { ok: false; status: 400 | 413; reason: string };

/**
 * Reads at most `maxBytes` of `req`'s body as UTF-8. A declared `Content-Length` over the
 * bound is refused before a byte is read; a chunked or under-declared body is cancelled as
 * soon as it passes the bound. Either way the answer is `413`, and the memory held never
 * exceeds the bound plus one chunk.
 */
export async function readBoundedText(req: Request, maxBytes: number): Promise<BoundedBody> {
  const tooLarge = {
    ok: false,
    status: 413,
    reason: `Content Too Large: at most ${maxBytes} bytes`,
  } as const;
  const declared = req.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= maxBytes)) {
    await req.body?.cancel().catch(() => {});
    return tooLarge;
  }
  if (req.body === null) return { ok: true, text: "" };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > maxBytes) {
        await reader.cancel().catch(() => {});
        return tooLarge;
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, status: 400, reason: "Bad Request: the body could not be read" };
  }
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(concatBytes(chunks)) };
  } catch {
    return { ok: false, status: 400, reason: "Bad Request: the body is not UTF-8" };
  }
}
