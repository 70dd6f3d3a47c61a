import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { ByteLayout } from "../../src/core/byte_layout.ts";
import { concatBytes } from "../../src/core/bytes.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { composedSource } from "../../src/serve/composed_file.ts";
import { serveStream } from "../../src/serve/serve_stream.ts";
import { openHandlesTo, patternBytes, tempDir, writeFixture } from "../_fixtures.ts";

const { dir, cleanup } = tempDir("sage-composed-");
after(cleanup);
const DATA = patternBytes(3 * 1024 * 1024, 9);
const MOVIE = writeFixture(dir, "composed.mp4", DATA);
const LAYOUT: ByteLayout = {
  header: patternBytes(70_000, 2),
  pieces: [{ offset: 1_000_000, length: 1_500_000 }, { offset: 10, length: 100 }],
  size: 70_000 + 1_500_000 + 100,
  variant: "clip-1-2",
};
const EXPECTED = concatBytes([
  LAYOUT.header,
  DATA.subarray(1_000_000, 2_500_000),
  DATA.subarray(10, 110),
]);
const source = composedSource(runtime.files, () => Promise.resolve(LAYOUT));

function get(headers: Record<string, string> = {}, method = "GET"): Promise<Response> {
  return serveStream(new Request("http://localhost/", { headers, method }), { path: MOVIE, source });
}

test(
  "a composed file is served whole with its own length and an ETag of its own",
  { timeout: 30_000 },
  async () => {
    const whole = await get();
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-length") ?? String(LAYOUT.size), String(LAYOUT.size));
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), EXPECTED);
    const plain = await serveStream(new Request("http://localhost/", { method: "HEAD" }), { path: MOVIE });
    assert.notEqual(whole.headers.get("etag"), plain.headers.get("etag"));
    assert.match(whole.headers.get("etag")!, /clip-1-2"$/);
  },
);

test("ranges of a composed file: across the header, inside a piece, across pieces, the end", {
  timeout: 30_000,
}, async () => {
  const cases: [number, number][] = [[0, 99], [69_990, 70_009], [100_000, 1_100_000], [
    1_569_950,
    LAYOUT.size - 1,
  ], [5, 5]];
  for (const [start, end] of cases) {
    const res = await get({ range: `bytes=${start}-${end}` });
    assert.equal(res.status, 206, `${start}-${end}`);
    assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${LAYOUT.size}`);
    assert.deepEqual(
      new Uint8Array(await res.arrayBuffer()),
      EXPECTED.subarray(start, end + 1),
      `${start}-${end}`,
    );
  }
  const multi = await get({ range: "bytes=0-9,70000-70009" });
  assert.equal(multi.status, 206);
  const text = new TextDecoder("latin1").decode(new Uint8Array(await multi.arrayBuffer()));
  assert.ok(text.includes(`Content-Range: bytes 0-9/${LAYOUT.size}`), "multipart names the layout's size");
});

test("a composed file honours HEAD, If-Range and If-None-Match like a file, and releases it", {
  timeout: 30_000,
}, async () => {
  const head = await get({}, "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const etag = head.headers.get("etag")!;
  const notModified = await get({ "if-none-match": etag });
  assert.equal(notModified.status, 304);
  const stale = await get({ range: "bytes=0-9", "if-range": '"other"' });
  assert.equal(stale.status, 200);
  await stale.body?.cancel();
  const fresh = await get({ range: "bytes=0-9", "if-range": etag });
  assert.equal(fresh.status, 206);
  await fresh.arrayBuffer();
  const beyond = await get({ range: `bytes=${LAYOUT.size}-` });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get("content-range"), `bytes */${LAYOUT.size}`);
  await beyond.body?.cancel();
  const cancelled = await get({ range: "bytes=0-" });
  await cancelled.body?.cancel();
  for (let i = 0; i < 50 && openHandlesTo(MOVIE) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(openHandlesTo(MOVIE), 0, "every handle released");
});
