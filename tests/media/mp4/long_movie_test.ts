import { test } from "node:test";
import assert from "node:assert/strict";
import { planMp4Clip, planMp4FastStart, readMp4Index } from "../../../src/media/mp4/mod.ts";
import { planSource } from "./_samples.ts";
import { synthFile, TWO_HOURS } from "./_synth.ts";

test("readMp4Index() reads a two-hour film's moov (517,500 samples) and plans a clip of it", {
  timeout: 60_000,
}, async () => {
  const file = synthFile(TWO_HOURS);
  assert.ok(file.moovSize > 2_000_000);
  const result = await readMp4Index(file.source);
  assert.ok(result.ok, result.ok ? "" : result.message);
  const { index, movie } = result;
  assert.ok(Math.abs(index.duration - 7200) < 0.05);
  assert.equal(index.fastStart, true);
  assert.equal(index.keyFrames.length, 3600);
  assert.equal(index.keyFrames[1800].time, 3600);
  assert.equal(index.keyFrames[1800].offset, file.sampleOffsets[0][90_000]);
  assert.deepEqual(movie.tracks.map((track) => track.samples.count), [180_000, 337_500]);
  assert.equal(index.mimeType, 'video/mp4; codecs="avc1.64001f, mp4a.40.2"');
  assert.equal(planMp4FastStart(movie), null);

  const plan = planMp4Clip(movie, { start: 3601, end: 3660 });
  assert.ok(plan.ok);
  assert.equal(plan.startTime, 3600);
  assert.ok(Math.abs(plan.duration - 60) < 0.1, `${plan.duration}`);
  const clipped = await readMp4Index(planSource(plan, file.source));
  assert.ok(clipped.ok);
  assert.equal(clipped.index.keyFrames.length, 30);
  assert.deepEqual(
    await planSource(plan, file.source).read(clipped.index.keyFrames[0].offset, 64),
    await file.source.read(file.sampleOffsets[0][90_000], 64),
  );
});
