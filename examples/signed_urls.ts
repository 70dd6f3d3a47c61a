/**
 * Signed, expiring stream URLs: the page that embeds the player signs the URL; the endpoint
 * refuses unsigned, altered and expired ones with 403. Runs on Deno and on Bun.
 *
 * Run: `deno run -A examples/signed_urls.ts` or `bun examples/signed_urls.ts` (MEDIA_ROOT, PORT
 * and STREAM_SECRET from the environment), then open `http://127.0.0.1:8000/`.
 *
 * @module
 */
import { createStreamHandler, signStreamUrl } from "@sage/stream";
import process from "node:process";

const MEDIA_ROOT = process.env.MEDIA_ROOT ?? "./samples";
// 32 random bytes in production; at least 16
const SECRET = process.env.STREAM_SECRET ?? "change-me-to-32-random-bytes!!!!";

const stream = createStreamHandler({ root: MEDIA_ROOT, signingSecret: SECRET });

/** `/` is a page with a player whose URL is valid for 10 minutes; `/stream` checks it. */
export async function handler(req: Request, info?: unknown): Promise<Response> {
  if (new URL(req.url).pathname !== "/") return stream(req, info);
  const src = await signStreamUrl("sample.webm", { secret: SECRET, expiresIn: 600 });
  const page = `<!doctype html><title>Signed</title><video controls width="480" src="${src}"></video>`;
  return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
}

declare const Bun: {
  serve(o: { hostname: string; port: number; fetch: typeof handler }): { port: number };
};
if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8000);
  if ("Bun" in globalThis) {
    const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: handler });
    console.log(`Listening on http://127.0.0.1:${server.port}/`);
  } else {
    Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}/`),
    }, handler);
  }
}
