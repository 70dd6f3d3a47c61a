import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { memorySource } from "../../../src/media/file_source.ts";
import { type Mp4ClipPlan, type Mp4Movie, planMp4Clip, readMp4Index } from "../../../src/media/mp4/mod.ts";
import {
  decodeErrors,
  frameHashes,
  probe,
  sample,
  type SampleName,
  videoPackets,
  writePlan,
} from "./_samples.ts";
import { tempDir } from "../../_fixtures.ts";
import { join } from "node:path";

const { dir, cleanup } = tempDir("sage-stream-mp4-clip-");
after(cleanup);
const tempPath = (name: string): string => join(dir, name);

async function movieOf(name: SampleName): Promise<{ movie: Mp4Movie; bytes: Uint8Array; path: string }> {
  const path = await sample(name);
  const bytes = new Uint8Array(readFileSync(path));
  const result = await readMp4Index(memorySource(bytes));
  assert.ok(result.ok);
  return { movie: result.movie, bytes, path };
}

function clip(movie: Mp4Movie, span: { start?: number; end?: number }): Mp4ClipPlan {
  const plan = planMp4Clip(movie, span);
  assert.ok(plan.ok, plan.ok ? "" : `${plan.reason}: ${plan.message}`);
  return plan;
}

function assertPlanShape(plan: Mp4ClipPlan, fileSize: number): void {
  assert.equal(plan.size, plan.header.length + plan.pieces.reduce((sum, piece) => sum + piece.length, 0));
  for (const piece of plan.pieces) {
    assert.ok(piece.offset >= 0 && piece.length > 0 && piece.offset + piece.length <= fileSize);
  }
  const types = [];
  for (let at = 0; at < plan.header.length;) {
    const view = new DataView(plan.header.buffer, plan.header.byteOffset + at);
    types.push(String.fromCharCode(...plan.header.subarray(at + 4, at + 8)));
    const size = view.getUint32(0);
    if (types.at(-1) === "mdat") {
      assert.equal(at + (size === 1 ? 16 : 8), plan.header.length, "the header ends with the mdat header");
      assert.equal(size, plan.size - at, "the mdat runs to the end");
      break;
    }
    at += size;
  }
  assert.deepEqual(types, ["ftyp", "moov", "mdat"]);
}

const SPANS = [
  { start: 3.3, end: 7.5 },
  { start: 0, end: 4 },
  { start: 5 },
  { start: 10.5, end: 100 },
  { start: 4, end: 4.2 },
];

for (const name of ["faststart", "moovEnd", "noBframes"] as const) {
  test(
    `planMp4Clip() on ${name}: clips start at a key frame, last as asked within a GOP and decode cleanly`,
    {
      timeout: 120_000,
    },
    async () => {
      const { movie, bytes, path } = await movieOf(name);
      const duration = movie.duration / movie.timescale;
      for (const span of SPANS.filter((span) => span.start < duration)) {
        const plan = clip(movie, span);
        assertPlanShape(plan, bytes.length);
        const start = span.start;
        const end = Math.min(span.end ?? duration, duration);
        // Key frames are every 2 s: the clip starts at the one at or before the start.
        assert.equal(plan.startTime, Math.floor(start / 2) * 2, JSON.stringify(span));
        const out = tempPath(`clip-${name}-${start}-${span.end}.mp4`);
        writePlan(plan, path, out);
        const probed = await probe(out);
        const probedDuration = Number(probed.format.duration);
        assert.ok(Math.abs(probedDuration - plan.duration) < 0.05, `${probedDuration} vs ${plan.duration}`);
        assert.ok(
          plan.duration >= end - start - 0.05 && plan.duration <= end - start + 2.05,
          JSON.stringify(span),
        );
        for (const stream of probed.streams) {
          assert.ok(Math.abs(Number(stream.start_time)) < 0.03, stream.codec_type);
        }
        const packets = await videoPackets(out);
        assert.ok(packets[0].key, "the first video packet is a key frame");
        assert.equal(await decodeErrors(out), "", JSON.stringify(span));
      }
    },
  );
}

test(
  "planMp4Clip() keeps exactly the original frames from the key frame on",
  { timeout: 120_000 },
  async () => {
    for (const name of ["faststart", "noBframes"] as const) {
      const { movie, path } = await movieOf(name);
      const plan = clip(movie, { start: 2.5, end: 5 });
      const out = tempPath(`frames-${name}.mp4`);
      writePlan(plan, path, out);
      const original = await frameHashes(path);
      const clipped = await frameHashes(out);
      // 25 fps: the clip shows frames 50 (the key frame at 2 s) to 124 (the last before 5 s).
      assert.deepEqual(clipped, original.slice(50, 125), name);
    }
  },
);

test("planMp4Clip() keeps audio in step: the clip's audio is the original's from the key frame", {
  timeout: 60_000,
}, async () => {
  const { movie, path } = await movieOf("faststart");
  const plan = clip(movie, { start: 6, end: 8 });
  const out = tempPath("audio-step.mp4");
  writePlan(plan, path, out);
  const probed = await probe(out);
  const audio = probed.streams.find((stream) => stream.codec_type === "audio")!;
  assert.ok(Math.abs(Number(audio.start_time)) < 0.001);
  assert.ok(Math.abs(Number(audio.duration) - 2) < 0.05, `${audio.duration}`);
});

test(
  "planMp4Clip() clips an audio-only file at the sample playing at the start",
  { timeout: 60_000 },
  async () => {
    const { movie, path, bytes } = await movieOf("audio");
    const plan = clip(movie, { start: 2.5, end: 4 });
    assertPlanShape(plan, bytes.length);
    assert.ok(plan.startTime <= 2.5 && plan.startTime > 2.47, `${plan.startTime}`);
    const out = tempPath("audio-clip.m4a");
    writePlan(plan, path, out);
    const probed = await probe(out);
    assert.ok(Math.abs(Number(probed.format.duration) - 1.5) < 0.05, probed.format.duration);
    assert.equal(await decodeErrors(out), "");
  },
);

test(
  "planMp4Clip() writes sample tables that our reader reads back consistently",
  { timeout: 60_000 },
  async () => {
    const { movie, bytes } = await movieOf("faststart");
    const plan = clip(movie, { start: 3, end: 9 });
    const out = new Uint8Array(plan.size);
    out.set(plan.header);
    out.set(
      bytes.subarray(plan.pieces[0].offset, plan.pieces[0].offset + plan.pieces[0].length),
      plan.header.length,
    );
    const reread = await readMp4Index(memorySource(out));
    assert.ok(reread.ok);
    assert.equal(reread.index.fastStart, true);
    assert.ok(Math.abs(reread.index.duration - plan.duration) < 1e-9);
    assert.deepEqual(reread.index.keyFrames.map((frame) => frame.time), [0, 2, 4, 6]);
    const original = await readMp4Index(memorySource(bytes));
    assert.ok(original.ok);
    const originalKeys = original.index.keyFrames;
    // Each key frame's bytes are the same bytes as in the original.
    reread.index.keyFrames.forEach((frame, i) => {
      const from = originalKeys[i + 1].offset;
      assert.deepEqual(out.subarray(frame.offset, frame.offset + 64), bytes.subarray(from, from + 64));
    });
    const video = reread.movie.tracks[0].samples;
    assert.equal(video.syncSamples?.[0], 1);
    assert.equal(reread.movie.tracks[0].edits.length, 1);
  },
);

test("planMp4Clip() is deterministic", { timeout: 60_000 }, async () => {
  const { movie } = await movieOf("moovEnd");
  const a = clip(movie, { start: 1, end: 6 });
  const b = clip(movie, { start: 1, end: 6 });
  assert.deepEqual(a, b);
});

test(
  "planMp4Clip() refuses spans that are not spans or start past the end",
  { timeout: 60_000 },
  async () => {
    const { movie } = await movieOf("faststart");
    const reason = (span: { start?: number; end?: number }) => {
      const plan = planMp4Clip(movie, span);
      return plan.ok ? "ok" : plan.reason;
    };
    assert.equal(reason({ start: 12 }), "out-of-range");
    assert.equal(reason({ start: 50, end: 60 }), "out-of-range");
    assert.equal(reason({ start: 5, end: 4 }), "bad-span");
    assert.equal(reason({ start: 5, end: 5 }), "bad-span");
    assert.equal(reason({ start: -1, end: 4 }), "bad-span");
    assert.equal(reason({ start: Number.NaN }), "bad-span");
    assert.equal(reason({ start: 1, end: Number.NaN }), "bad-span");
    assert.equal(reason({ start: 0, end: Infinity }), "ok");
    assert.equal(reason({}), "ok");
  },
);
