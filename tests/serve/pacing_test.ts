import { after, test } from "node:test";
import assert from "node:assert/strict";
import { serveStream, type StreamEvent } from "../../src/serve/serve_stream.ts";
import { pacedChunks } from "../../src/serve/paced_chunks.ts";
import { patternBytes, tempDir, writeFixture } from "../_fixtures.ts";

const { dir, cleanup } = tempDir("sage-pacing-");
after(cleanup);
const SIZE = 600 * 1024;
const DATA = patternBytes(SIZE, 7);
const MOVIE = writeFixture(dir, "paced.mp4", DATA);

async function* chunksOf(sizes: number[]): AsyncGenerator<Uint8Array, void, undefined> {
  for (const size of sizes) yield new Uint8Array(size);
}

test("pacedChunks(): splits into 64 KiB pieces and waits as the pace says", async () => {
  const pace = { bytesPerSecond: 1024 * 1024, burstBytes: 64 * 1024 };
  const pieces: number[] = [];
  const started = performance.now();
  for await (const piece of pacedChunks(chunksOf([200 * 1024]), pace)) pieces.push(piece.length);
  const elapsed = performance.now() - started;
  assert.deepEqual(pieces, [65536, 65536, 65536, 8192]);
  // 136 KiB past the burst at 1 MiB/s
  assert.ok(elapsed >= 130 - 5, `took ${elapsed.toFixed(0)} ms`);
});

test("pacedChunks(): a body behind its pace (a slow clock) is not made to wait", async () => {
  let clock = 0;
  const pace = { bytesPerSecond: 1000, burstBytes: 0 };
  const started = performance.now();
  const generator = pacedChunks(chunksOf([1000, 1000, 1000]), pace, () => (clock += 10_000));
  for await (const _ of generator) { /* each piece "took" 10 s */ }
  assert.ok(performance.now() - started < 500, "no wait once the body is late");
});

test("pacedChunks(): finishing it early finishes the body's generator", async () => {
  let finished = false;
  async function* body(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      while (true) yield new Uint8Array(1024);
    } finally {
      finished = true;
    }
  }
  const paced = pacedChunks(body(), { bytesPerSecond: 1e9, burstBytes: 0 });
  await paced.next();
  await paced.return();
  assert.equal(finished, true);
});

test(
  "serveStream() with pacing sends the exact bytes no faster than burst + rate allow",
  { timeout: 30_000 },
  async () => {
    const events: StreamEvent[] = [];
    const pacing = { rate: 512 * 1024, after: 64 * 1024 };
    const started = performance.now();
    const res = await serveStream(
      new Request("http://localhost/", { headers: { range: `bytes=0-${SIZE - 1}` } }),
      {
        path: MOVIE,
        pacing,
        onServed: (e) => events.push(e),
      },
    );
    assert.equal(res.status, 206);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), DATA);
    const elapsed = performance.now() - started;
    const floor = ((SIZE - pacing.after) / pacing.rate) * 1000; // ≈ 1047 ms
    assert.ok(
      elapsed >= floor - 50,
      `took ${elapsed.toFixed(0)} ms, the pace allows no less than ${floor.toFixed(0)}`,
    );
    assert.equal(events.length, 1);
    assert.equal(events[0].bytesDelivered, SIZE);
  },
);

test(
  "serveStream() with a relative pacing and no bitrate leaves the body unpaced",
  { timeout: 30_000 },
  async () => {
    const started = performance.now();
    const res = await serveStream(new Request("http://localhost/"), {
      path: MOVIE,
      pacing: { rate: { bitrate: 0.001 } },
    });
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), DATA);
    assert.ok(performance.now() - started < 10_000, "not paced at a thousandth of an unknown bitrate");
  },
);

test("serveStream() with a relative pacing follows mediaBitrate", { timeout: 30_000 }, async () => {
  const started = performance.now();
  // 8 Mbit/s = 1 MB/s; 0.5 × that after 0.1 s of media (100,000 bytes)
  const res = await serveStream(new Request("http://localhost/"), {
    path: MOVIE,
    pacing: { rate: { bitrate: 0.5 }, after: { seconds: 0.1 } },
    mediaBitrate: 8_000_000,
  });
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), DATA);
  const floor = ((SIZE - 100_000) / 500_000) * 1000;
  assert.ok(performance.now() - started >= floor - 50, `the pace allows no less than ${floor.toFixed(0)} ms`);
});

test("serveStream() refuses bad pacing options with a RangeError", async () => {
  await assert.rejects(
    () => serveStream(new Request("http://localhost/"), { path: MOVIE, pacing: { rate: -5 } }),
    (error: Error) => error instanceof RangeError && /"pacing\.rate"/.test(error.message),
  );
});
