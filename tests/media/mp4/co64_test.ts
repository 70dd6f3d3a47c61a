import { test } from "node:test";
import assert from "node:assert/strict";
import { planMp4Clip, planMp4FastStart, readMp4Index } from "../../../src/media/mp4/mod.ts";
import type { ByteSource } from "../../../src/media/types.ts";
import { planSource } from "./_samples.ts";
import { synthFile, type SynthSpec, type SynthTrack } from "./_synth.ts";

const GiB = 2 ** 30;

function tracks(videoSize: number, videoCount = 100): SynthTrack[] {
  return [
    {
      kind: "video",
      timescale: 12800,
      count: videoCount,
      delta: 512,
      size: (i) => videoSize + (i % 7),
      chunkSamples: videoSize > 1e6 ? 1 : 10,
      syncEvery: 25,
      compositionPattern: [1024, 2560, 0, 512, 1024],
      editMediaTime: 1024,
    },
    {
      kind: "audio",
      timescale: 48000,
      count: videoCount * 1.875,
      delta: 1024,
      size: () => 300,
      chunkSamples: 20,
    },
  ];
}

async function read(source: ByteSource) {
  const result = await readMp4Index(source);
  assert.ok(result.ok, result.ok ? "" : `${result.reason}: ${result.message}`);
  return result;
}

function hasBox(bytes: Uint8Array, type: string): boolean {
  const code = new TextEncoder().encode(type);
  for (let i = 4; i + 4 <= bytes.length; i++) {
    if (
      bytes[i] === code[0] && bytes[i + 1] === code[1] && bytes[i + 2] === code[2] && bytes[i + 3] === code[3]
    ) {
      return true;
    }
  }
  return false;
}

async function sameBytes(a: ByteSource, aOffset: number, b: ByteSource, bOffset: number): Promise<void> {
  assert.deepEqual(await a.read(aOffset, 24), await b.read(bOffset, 24));
}

test("planMp4FastStart() switches a track to co64 when moving the moov pushes its offsets past 2^32", async () => {
  const spec: SynthSpec = { tracks: tracks(1000), moovAtEnd: true };
  const probe = synthFile({ ...spec, gap: 0 });
  const lastChunkStart = Math.max(
    ...spec.tracks.map((track, t) =>
      probe.sampleOffsets[t][Math.floor((track.count - 1) / track.chunkSamples) * track.chunkSamples]
    ),
  );
  // The last chunks start 500 bytes below 4 GiB: stco holds them, until the moov comes first.
  const file = synthFile({ ...spec, gap: 2 ** 32 - 500 - lastChunkStart });
  const original = await read(file.source);
  assert.ok(original.movie.tracks.every((track) => track.samples.chunkOffsets instanceof Uint32Array));
  const plan = planMp4FastStart(original.movie);
  assert.ok(plan?.ok);
  assert.ok(hasBox(plan.header, "co64"));
  const moved = await read(planSource(plan, file.source));
  assert.equal(moved.index.fastStart, true);
  const shift = plan.header.length - original.movie.ftyp!.bytes.length;
  let widened = 0;
  moved.movie.tracks.forEach((track, t) => {
    const before = original.movie.tracks[t].samples.chunkOffsets;
    const after = track.samples.chunkOffsets;
    const needs64 = before.some((offset) => offset + shift > 0xffffffff);
    assert.equal(after instanceof Float64Array, needs64, `track ${t}`);
    if (needs64) widened++;
    assert.deepEqual(Array.from(after), Array.from(before, (offset) => offset + shift));
  });
  assert.ok(widened >= 1);
  const last = moved.movie.tracks[0].samples.chunkOffsets;
  await sameBytes(
    planSource(plan, file.source),
    last[last.length - 1],
    file.source,
    last[last.length - 1] - shift,
  );
  assert.deepEqual(moved.index.tracks, original.index.tracks);
});

test("planMp4Clip() of media past 4 GiB streams from there with 32-bit offsets", async () => {
  const file = synthFile({ tracks: tracks(1000), gap: 5 * GiB });
  const original = await read(file.source);
  assert.ok(original.movie.tracks.every((track) => track.samples.chunkOffsets instanceof Float64Array));
  assert.ok(original.index.keyFrames[0].offset > 5 * GiB);
  const plan = planMp4Clip(original.movie, { start: 2.1, end: 3 });
  assert.ok(plan.ok);
  assert.equal(plan.startTime, 2);
  assert.ok(plan.pieces[0].offset > 5 * GiB);
  assert.ok(!hasBox(plan.header, "co64"));
  const clipped = await read(planSource(plan, file.source));
  assert.ok(clipped.movie.tracks.every((track) => track.samples.chunkOffsets instanceof Uint32Array));
  // Key frame at 2 s of the original is the clip's first sample.
  const key = clipped.index.keyFrames[0];
  assert.equal(key.time, 0);
  const originalKey = original.index.keyFrames.find((frame) => frame.time === 2)!;
  await sameBytes(planSource(plan, file.source), key.offset, file.source, originalKey.offset);
});

test("planMp4Clip() of more than 4 GiB writes a 64-bit mdat size and co64", async () => {
  // 50 video samples of 100 MB: 5 GB of media.
  const file = synthFile({ tracks: tracks(100_000_000, 50) });
  const original = await read(file.source);
  const plan = planMp4Clip(original.movie, {});
  assert.ok(plan.ok);
  assert.ok(plan.pieces[0].length > 2 ** 32);
  const view = new DataView(plan.header.buffer, plan.header.byteOffset);
  const mdatAt = plan.header.length - 16;
  assert.equal(view.getUint32(mdatAt), 1);
  assert.equal(String.fromCharCode(...plan.header.subarray(mdatAt + 4, mdatAt + 8)), "mdat");
  assert.equal(Number(view.getBigUint64(mdatAt + 8)), 16 + plan.pieces[0].length);
  assert.ok(hasBox(plan.header, "co64"));
  const clipped = await read(planSource(plan, file.source));
  assert.ok(clipped.movie.tracks[0].samples.chunkOffsets instanceof Float64Array);
  assert.equal(clipped.index.keyFrames.length, 2);
  const source = planSource(plan, file.source);
  for (const [i, frame] of clipped.index.keyFrames.entries()) {
    await sameBytes(source, frame.offset, file.source, original.index.keyFrames[i].offset);
  }
  assert.ok(Math.abs(clipped.index.duration - original.index.duration) < 0.05);
});
