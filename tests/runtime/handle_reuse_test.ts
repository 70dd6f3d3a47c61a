// An adapter that declares `reusesFileHandles` keeps released handles open for a moment (like
// nginx's open_file_cache); these rules hold on every runtime: a changed, replaced or removed
// file is never served from an old handle, and idle handles are closed soon.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runtime } from "../../src/runtime/mod.ts";
import { serveStream } from "../../src/serve/serve_stream.ts";
import { bodyBytes, eventually, openHandlesTo, patternBytes, tempDir, writeFixture } from "../_fixtures.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const dirReal = realpathSync(dir);

const get = (path: string, range: string) =>
  serveStream(new Request("http://localhost/", { headers: { range } }), { path });

/** Handles this process holds on `path`, including ones whose file was replaced or deleted. */
function handlesToPathOrDeleted(path: string): number {
  return openHandlesTo(path) + openHandlesTo(`${path} (deleted)`);
}

test("released handles are kept and reused exactly where the adapter declares it", async () => {
  const path = writeFixture(dirReal, "reused.mp4", patternBytes(10_000, 7));
  for (let i = 0; i < 5; i++) {
    const res = await get(path, `bytes=${i}-${i + 9}`);
    assert.deepEqual(await bodyBytes(res), patternBytes(10_000, 7).subarray(i, i + 10));
    // kept: the one handle, taken again by each request; otherwise none is left open
    assert.equal(openHandlesTo(path), runtime.capabilities.reusesFileHandles ? 1 : 0, `after request ${i}`);
  }
});

test("a file replaced at the same path, with the same size and mtime, is served from the new file", async () => {
  const path = writeFixture(dirReal, "replaced.mp4", patternBytes(10_000, 1));
  const first = await get(path, "bytes=0-99");
  assert.deepEqual(await bodyBytes(first), patternBytes(10_000, 1).subarray(0, 100));
  const { mtime } = statSync(path);
  // a different file, renamed over the old one, with identical size and modification time
  const next = patternBytes(10_000, 2);
  writeFileSync(join(dirReal, "next.tmp"), next);
  utimesSync(join(dirReal, "next.tmp"), mtime, mtime);
  renameSync(join(dirReal, "next.tmp"), path);
  for (const range of ["bytes=0-99", "bytes=5000-", "bytes=-1"]) {
    const res = await get(path, range);
    assert.equal(res.status, 206);
    const start = range === "bytes=-1" ? 9_999 : range === "bytes=5000-" ? 5_000 : 0;
    const end = range === "bytes=0-99" ? 99 : 9_999;
    assert.deepEqual(await bodyBytes(res), next.subarray(start, end + 1));
  }
});

test("a file rewritten in place is served with its new length and bytes", async () => {
  const path = writeFixture(dirReal, "rewritten.mp4", patternBytes(5_000, 3));
  const first = await get(path, "bytes=0-9");
  assert.equal(first.headers.get("content-range"), "bytes 0-9/5000");
  await first.arrayBuffer();
  const longer = patternBytes(7_000, 4);
  writeFileSync(path, longer); // same inode, truncated and rewritten
  const res = await get(path, "bytes=6990-");
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), "bytes 6990-6999/7000");
  assert.deepEqual(await bodyBytes(res), longer.subarray(6_990));
});

test("a removed file is 404 right after it was served", async () => {
  const path = writeFixture(dirReal, "removed.mp4", patternBytes(1_000, 5));
  await (await get(path, "bytes=0-1")).arrayBuffer();
  rmSync(path);
  const res = await get(path, "bytes=0-1");
  assert.equal(res.status, 404);
  await res.body?.cancel();
});

test("handles kept for reuse are closed within a second of the last request", async () => {
  const path = writeFixture(dirReal, "idle.mp4", patternBytes(200_000, 6));
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(path, `bytes=${i}-${i + 9}`)));
  for (const res of responses) await res.arrayBuffer();
  const streamed = await get(path, "bytes=0-");
  await streamed.arrayBuffer();
  const started = Date.now();
  assert.ok(await eventually(() => handlesToPathOrDeleted(path) === 0, 3000), `handles left to ${path}`);
  assert.ok(Date.now() - started < 1500, "idle handles lingered");
});
