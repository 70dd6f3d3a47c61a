import { test } from "node:test";
import assert from "node:assert/strict";
import { layoutMultipart, multipartChunks, randomBoundary } from "../../src/core/multipart.ts";
import type { ByteRange } from "../../src/core/range.ts";

test("layoutMultipart() frames parts as RFC 9110 §14.6 shows and counts every byte", async () => {
  const data = new TextEncoder().encode("0123456789");
  const layout = layoutMultipart([{ start: 0, end: 1 }, { start: 8, end: 9 }], 10, "text/plain", "SEP");
  assert.equal(layout.contentType, "multipart/byteranges; boundary=SEP");
  const read = (r: ByteRange) =>
    (async function* () {
      yield data.subarray(r.start, r.end + 1);
    })();
  const chunks: Uint8Array[] = [];
  for await (const chunk of multipartChunks(layout, read)) chunks.push(chunk);
  const text = chunks.map((c) => new TextDecoder().decode(c)).join("");
  assert.equal(
    text,
    "--SEP\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01" +
      "\r\n--SEP\r\nContent-Type: text/plain\r\nContent-Range: bytes 8-9/10\r\n\r\n89" +
      "\r\n--SEP--\r\n",
  );
  assert.equal(layout.length, new TextEncoder().encode(text).byteLength);
});

test("randomBoundary() is random and safe in a header", () => {
  const a = randomBoundary();
  assert.match(a, /^[0-9a-f]{24}$/);
  assert.notEqual(a, randomBoundary());
});
