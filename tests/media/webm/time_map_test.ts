import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySource } from "../../../src/media/file_source.ts";
import {
  offsetAtTime,
  readMatroskaIndex,
  seekPointsFrom,
  timeAtOffset,
} from "../../../src/media/webm/mod.ts";
import type { MatroskaInfo } from "../../../src/media/webm/mod.ts";
import { buildMatroska } from "./_ebml_builder.ts";
import { sampleFile } from "./_samples.ts";

const MAP = {
  duration: 6,
  mediaEnd: 10_000,
  seekPoints: [{ time: 0, offset: 100 }, { time: 2, offset: 3000 }, { time: 4, offset: 6000 }],
};

async function infoOf(bytes: Uint8Array): Promise<MatroskaInfo> {
  const result = await readMatroskaIndex(memorySource(bytes));
  assert.ok(result.ok, result.ok ? "" : result.message);
  return result.info;
}

test("seekPointsFrom() sorts by time and keeps points whose time and offset both increase", () => {
  const points = seekPointsFrom([
    { time: 2, offset: 3000 },
    { time: 0, offset: 100 },
    { time: 2, offset: 3500 }, // same time as a kept point
    { time: 3, offset: 2000 }, // offset goes back
    { time: 4, offset: 6000 },
  ]);
  assert.deepEqual(points, MAP.seekPoints);
});

test("timeAtOffset() answers the time of the Cluster an offset falls in", () => {
  assert.equal(timeAtOffset(MAP, 100), 0);
  assert.equal(timeAtOffset(MAP, 2999), 0);
  assert.equal(timeAtOffset(MAP, 3000), 2);
  assert.equal(timeAtOffset(MAP, 5999), 2);
  assert.equal(timeAtOffset(MAP, 6000), 4);
  assert.equal(timeAtOffset(MAP, 9999), 4);
});

test("timeAtOffset() answers 0 for the headers and null outside the media data", () => {
  assert.equal(timeAtOffset(MAP, 0), 0);
  assert.equal(timeAtOffset(MAP, 99), 0);
  assert.equal(timeAtOffset(MAP, 10_000), null);
  assert.equal(timeAtOffset(MAP, -1), null);
  assert.equal(timeAtOffset(MAP, Number.NaN), null);
  assert.equal(timeAtOffset({ ...MAP, seekPoints: [] }, 500), null);
});

test("offsetAtTime() answers the Cluster to start reading at", () => {
  assert.equal(offsetAtTime(MAP, 0), 100);
  assert.equal(offsetAtTime(MAP, 1.999), 100);
  assert.equal(offsetAtTime(MAP, 2), 3000);
  assert.equal(offsetAtTime(MAP, 5), 6000);
  assert.equal(offsetAtTime(MAP, 6), 6000);
  assert.equal(offsetAtTime({ ...MAP, seekPoints: [{ time: 1, offset: 500 }] }, 0.5), 500);
});

test("offsetAtTime() answers null past the duration, for negative times and without a map", () => {
  assert.equal(offsetAtTime(MAP, 6.001), null);
  assert.equal(offsetAtTime(MAP, -0.1), null);
  assert.equal(offsetAtTime(MAP, Number.NaN), null);
  assert.equal(offsetAtTime(MAP, Number.POSITIVE_INFINITY), null);
  assert.equal(offsetAtTime({ ...MAP, seekPoints: [] }, 1), null);
  // Without a duration, any time maps to the last Cluster at or before it.
  assert.equal(offsetAtTime({ ...MAP, duration: 0 }, 1000), 6000);
});

test("timeAtOffset() and offsetAtTime() round-trip on a VP9 WebM's cue points", async () => {
  const info = await infoOf(sampleFile("vp9").bytes);
  assert.equal(info.seekPoints.length, 5);
  for (const [i, point] of info.seekPoints.entries()) {
    assert.equal(offsetAtTime(info, point.time), point.offset);
    assert.equal(timeAtOffset(info, point.offset), point.time);
    assert.equal(timeAtOffset(info, point.offset + 1), point.time);
    const next = info.seekPoints[i + 1];
    if (next) {
      assert.equal(timeAtOffset(info, next.offset - 1), point.time);
      assert.equal(offsetAtTime(info, (point.time + next.time) / 2), point.offset);
    }
    // An offset's time leads back to a Cluster at or before it.
    const middle = next ? Math.floor((point.offset + next.offset) / 2) : point.offset + 10;
    assert.ok(offsetAtTime(info, timeAtOffset(info, middle)!)! <= middle);
  }
  assert.equal(timeAtOffset(info, 0), 0);
  assert.equal(timeAtOffset(info, info.cuesOffset!), null);
  assert.equal(offsetAtTime(info, info.duration + 1), null);
  assert.equal(offsetAtTime(info, 0), info.firstClusterOffset);
});

test("the time map comes from the Clusters' Timestamps when there are no Cues and no SeekHead", async () => {
  const { bytes, offsets } = buildMatroska({ cues: "none", seekHead: false, clusterTimes: [0, 1500, 3000] });
  const info = await infoOf(bytes);
  assert.deepEqual(info.cuePoints, []);
  assert.deepEqual(info.seekPoints, [
    { time: 0, offset: offsets.clusters[0] },
    { time: 1.5, offset: offsets.clusters[1] },
    { time: 3, offset: offsets.clusters[2] },
  ]);
  assert.equal(timeAtOffset(info, offsets.clusters[1] + 5), 1.5);
});

test("the time map is empty when a SeekHead names no Cues, since the Clusters were not walked", async () => {
  const { bytes } = buildMatroska({ cues: "none", seekHead: true });
  const info = await infoOf(bytes);
  assert.deepEqual(info.seekPoints, []);
  assert.equal(timeAtOffset(info, info.firstClusterOffset!), null);
  assert.equal(offsetAtTime(info, 1), null);
});
