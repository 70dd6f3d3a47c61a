import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { memorySource, openFileSource } from "../../../src/media/file_source.ts";
import { planMp4FastStart, readMp4Index } from "../../../src/media/mp4/mod.ts";
import { decodeErrors, sample, streamHash, writePlan } from "./_samples.ts";
import { tempDir } from "../../_fixtures.ts";
import { join } from "node:path";

const { dir, cleanup } = tempDir("sage-stream-mp4-fast-start-");
after(cleanup);
const tempPath = (name: string): string => join(dir, name);

test("planMp4FastStart() moves the moov first; the media decodes to the same frames and sound", {
  timeout: 120_000,
}, async () => {
  const path = await sample("moovEnd");
  const bytes = new Uint8Array(readFileSync(path));
  const result = await readMp4Index(memorySource(bytes));
  assert.ok(result.ok);
  assert.equal(result.index.fastStart, false);
  const plan = planMp4FastStart(result.movie);
  assert.ok(plan?.ok);
  // Nothing is added or dropped: the same bytes in another order (same-size moov, stco kept).
  assert.equal(plan.size, bytes.length);
  assert.equal(plan.duration, result.index.duration);
  const { ftyp, moov } = result.movie;
  assert.deepEqual(plan.pieces, [{ offset: ftyp!.bytes.length, length: moov.offset - ftyp!.bytes.length }]);
  assert.deepEqual(plan.header.subarray(0, ftyp!.bytes.length), ftyp!.bytes);

  const out = tempPath("fast-start.mp4");
  writePlan(plan, path, out);
  const source = await openFileSource(out);
  try {
    const moved = await readMp4Index(source);
    assert.ok(moved.ok);
    assert.equal(moved.index.fastStart, true);
    assert.deepEqual(moved.movie.topLevel.map((box) => box.type), ["ftyp", "moov"]);
    assert.equal(moved.index.duration, result.index.duration);
    assert.deepEqual(moved.index.tracks, result.index.tracks);
    // Every key frame moved by the moov's size, onto the same bytes.
    const written = new Uint8Array(readFileSync(out));
    moved.index.keyFrames.forEach((frame, i) => {
      const before = result.index.keyFrames[i];
      assert.equal(frame.time, before.time);
      assert.equal(frame.offset, before.offset + moov.size);
      assert.deepEqual(
        written.subarray(frame.offset, frame.offset + 32),
        bytes.subarray(before.offset, before.offset + 32),
      );
    });
  } finally {
    await source.close();
  }
  assert.equal(await decodeErrors(out), "");
  assert.equal(await streamHash(out, "0:v"), await streamHash(path, "0:v"));
  assert.equal(await streamHash(out, "0:a"), await streamHash(path, "0:a"));
});

test("planMp4FastStart() has nothing to do for a fast-start file", { timeout: 60_000 }, async () => {
  for (const name of ["faststart", "noBframes"] as const) {
    const result = await readMp4Index(memorySource(new Uint8Array(readFileSync(await sample(name)))));
    assert.ok(result.ok);
    assert.equal(planMp4FastStart(result.movie), null);
  }
});

test("planMp4FastStart() handles an audio-only m4a and a QuickTime file", { timeout: 60_000 }, async () => {
  for (const name of ["audio", "mov"] as const) {
    const path = await sample(name);
    const result = await readMp4Index(memorySource(new Uint8Array(readFileSync(path))));
    assert.ok(result.ok);
    const plan = planMp4FastStart(result.movie);
    assert.ok(plan?.ok, name);
    const out = tempPath(`fast-start-${name}.${name === "audio" ? "m4a" : "mov"}`);
    writePlan(plan, path, out);
    assert.equal(await decodeErrors(out), "");
    const map = name === "audio" ? "0:a" : "0:v";
    assert.equal(await streamHash(out, map), await streamHash(path, map));
  }
});

test("planMp4FastStart() is deterministic", { timeout: 60_000 }, async () => {
  const result = await readMp4Index(memorySource(new Uint8Array(readFileSync(await sample("moovEnd")))));
  assert.ok(result.ok);
  assert.deepEqual(planMp4FastStart(result.movie), planMp4FastStart(result.movie));
});
