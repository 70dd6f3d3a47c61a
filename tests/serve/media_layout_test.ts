// serveStream's own media options: clip, fastStart, and a pacing relative to the bitrate read
// from the file's index (the endpoint only passes them on).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serveStream } from "../../src/serve/serve_stream.ts";
import { readMediaIndex } from "../../src/media/read_media_index.ts";
import { memorySource } from "../../src/media/file_source.ts";
import { tempDir } from "../_fixtures.ts";
import { probe, sample } from "../media/mp4/_samples.ts";

const { dir, cleanup } = tempDir("sage-serve-media-");
after(cleanup);
const TIMEOUT = { timeout: 120_000 };

const get = (method = "GET") => new Request("http://localhost/", { method });

test("serveStream({ clip }) answers the span as an MP4 of its own", TIMEOUT, async () => {
  const film = await sample("faststart");
  const res = await serveStream(get(), { path: film, clip: { start: 4, end: 8 } });
  assert.equal(res.status, 200);
  const out = join(dir, "clip.mp4");
  writeFileSync(out, new Uint8Array(await res.arrayBuffer()));
  assert.equal(statSync(out).size, Number(res.headers.get("content-length")));
  const duration = Number((await probe(out)).format.duration);
  assert.ok(Math.abs(duration - 4) < 0.1, `duration ${duration}`);
  const head = await serveStream(get("HEAD"), { path: film, clip: { start: 4, end: 8 } });
  assert.equal(head.headers.get("etag"), res.headers.get("etag"));
});

test(
  "serveStream({ clip }) refuses a span past the end (416) and a file with no clips (400), with reasons",
  TIMEOUT,
  async () => {
    const film = await sample("faststart");
    const past = await serveStream(get(), { path: film, clip: { start: 600 } });
    assert.equal(past.status, 416);
    assert.match(await past.text(), /^Range Not Satisfiable: .+/);
    const text = join(dir, "notes.mp4");
    writeFileSync(text, "no movie here");
    const none = await serveStream(get(), { path: text, clip: { start: 1 } });
    assert.equal(none.status, 400);
    const reason = await none.text();
    assert.match(reason, /^Bad Request: Clips by time need an MP4 file/);
    assert.equal(Number(none.headers.get("content-length")), new TextEncoder().encode(reason).length);
  },
);

test(
  "serveStream({ fastStart }) moves a moov at the end to the front, keeping the size",
  TIMEOUT,
  async () => {
    const late = await sample("moovEnd");
    const res = await serveStream(get(), { path: late, fastStart: true });
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(bytes.length, statSync(late).size);
    const types: string[] = [];
    const view = new DataView(bytes.buffer);
    for (let at = 0; at + 8 <= bytes.length && types.length < 6; at += view.getUint32(at)) {
      types.push(new TextDecoder().decode(bytes.subarray(at + 4, at + 8)));
      if (view.getUint32(at) < 8) break;
    }
    assert.ok(types.indexOf("moov") >= 0 && types.indexOf("moov") < types.indexOf("mdat"), types.join(" "));
  },
);

test("serveStream({ pacing: relative }) reads the bitrate from the file's index", TIMEOUT, async () => {
  const film = await sample("faststart");
  const size = statSync(film).size;
  const index = await readMediaIndex(memorySource(readFileSync(film)));
  assert.ok(index.ok);
  // 25 × the file's bitrate: its whole length in about 12 s / 25 ≈ 0.5 s
  const floor = (size * 8 / (25 * index.index.bitrate)) * 1000;
  const started = performance.now();
  const res = await serveStream(get(), { path: film, pacing: { rate: { bitrate: 25 } } });
  assert.equal((await res.arrayBuffer()).byteLength, size);
  const elapsed = performance.now() - started;
  assert.ok(
    elapsed >= floor - 60,
    `took ${elapsed.toFixed(0)} ms; the pace allows no less than ${floor.toFixed(0)}`,
  );
});
