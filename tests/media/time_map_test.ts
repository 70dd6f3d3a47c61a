import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySource, openFileSource } from "../../src/media/file_source.ts";
import { readMediaIndex } from "../../src/media/read_media_index.ts";
import type { MediaFileIndex } from "../../src/media/read_media_index.ts";
import { readMp4Index } from "../../src/media/mp4/mod.ts";
import type { Mp4Movie, Mp4Track } from "../../src/media/mp4/mod.ts";
import { readMatroskaIndex } from "../../src/media/webm/mod.ts";
import {
  buildMediaTimeMap,
  mediaTimeAtOffset,
  type MediaTimeMap,
  type MediaTimeMapSource,
  retentionCurve,
  secondsCovered,
  watchedSeconds,
} from "../../src/media/time_map.ts";
import { sample, type SampleName, videoPackets } from "./mp4/_samples.ts";
import { synthFile, type SynthSpec } from "./mp4/_synth.ts";
import { sampleFile } from "./webm/_samples.ts";

const HAND_MADE: MediaTimeMap = {
  duration: 6,
  offsets: Float64Array.of(500, 4000, 7000),
  times: Float64Array.of(0, 2, 4),
  mediaStart: 500,
  mediaEnd: 9000,
};

interface LoadedMp4 {
  path: string;
  size: number;
  index: MediaFileIndex & { ok: true };
  map: MediaTimeMap;
}

async function loadMp4(name: SampleName): Promise<LoadedMp4> {
  const path = await sample(name);
  const source = await openFileSource(path);
  try {
    const index = await readMediaIndex(source);
    assert.ok(index.ok, index.ok ? "" : index.message);
    const map = buildMediaTimeMap(index);
    assert.ok(map);
    return { path, size: source.size, index, map };
  } finally {
    await source.close();
  }
}

/** The checks every map passes: ascending offsets, non-decreasing times from 0 within the duration. */
function assertWellFormed(map: MediaTimeMap): void {
  assert.equal(map.offsets.length, map.times.length);
  assert.ok(map.offsets.length > 0);
  assert.equal(map.times[0], 0);
  assert.ok(map.mediaStart <= map.offsets[0]);
  assert.ok(map.mediaEnd > map.offsets[map.offsets.length - 1]);
  for (let i = 1; i < map.offsets.length; i++) {
    assert.ok(map.offsets[i] > map.offsets[i - 1], `offset ${i} does not increase`);
    assert.ok(map.times[i] >= map.times[i - 1], `time ${i} goes back`);
  }
  assert.ok(map.times[map.times.length - 1] <= map.duration);
}

/** Checks `intervals` are sorted, disjoint, of positive length and within `[0, duration]`. */
function assertTimeIntervals(intervals: [number, number][], duration: number): void {
  let previousEnd = -Infinity;
  for (const [start, end] of intervals) {
    assert.ok(Number.isFinite(start) && Number.isFinite(end), `${start}, ${end}`);
    assert.ok(start >= 0 && end <= duration, `[${start}, ${end}] outside [0, ${duration}]`);
    assert.ok(end > start, `[${start}, ${end}] is empty`);
    assert.ok(start > previousEnd, `[${start}, ${end}] touches the one before`);
    previousEnd = end;
  }
}

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );
}

/** A seeded random number generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- MP4 ----

for (const name of ["faststart", "moovEnd"] as const) {
  test(`buildMediaTimeMap() maps every video packet of the ${name} MP4 to within 0.5 s of its pts`, async () => {
    const { path, map, index } = await loadMp4(name);
    assertWellFormed(map);
    near(map.duration, 12, 0.05, "duration");
    assert.equal(map.duration, index.index.duration);
    // about one point per 0.5 s, plus the 6 key frames
    assert.ok(map.offsets.length >= 12 && map.offsets.length <= 12 / 0.5 + 6 + 1, `${map.offsets.length}`);
    const packets = await videoPackets(path);
    assert.equal(packets.length, 300);
    assert.ok(map.mediaStart <= Math.min(...packets.map((packet) => packet.pos)));
    for (const packet of packets) {
      const time = mediaTimeAtOffset(map, packet.pos);
      assert.ok(time !== null);
      assert.ok(Math.abs(time - packet.pts) < 0.5, `packet at ${packet.pos}: ${time} vs pts ${packet.pts}`);
      // key frames are points of the map: exact
      if (packet.key) near(time, packet.pts, 1e-6, `key frame at ${packet.pos}`);
    }
    assert.deepEqual(packets.filter((p) => p.key).map((p) => p.pts), [0, 2, 4, 6, 8, 10]);
  });

  test(`secondsCovered() of the ${name} MP4: whole file, first half, header, key frame to key frame`, async () => {
    const { path, size, map, index } = await loadMp4(name);
    const whole = secondsCovered(map, [[0, size - 1]]);
    assert.deepEqual(whole, [[0, map.duration]]);
    near(watchedSeconds(whole), 12, 0.05, "whole file");

    const half = secondsCovered(map, [[0, Math.floor(size / 2)]]);
    assert.equal(half.length, 1);
    assert.equal(half[0][0], 0);
    near(half[0][1], 6, 1, "first half");

    // the header: ftyp (and moov when it comes first)
    assert.deepEqual(secondsCovered(map, [[0, map.mediaStart - 1]]), []);
    if (name === "moovEnd") {
      const movie = index.movie;
      assert.ok(movie);
      assert.equal(map.mediaEnd, movie.moov.offset);
      assert.deepEqual(secondsCovered(map, [[movie.moov.offset, size - 1]]), []);
      assert.equal(mediaTimeAtOffset(map, size - 1), map.duration);
    }

    // from the key frame at 2 s up to the one at 6 s: exactly [2, 6]; a seek to 8 s too
    const keys = (await videoPackets(path)).filter((packet) => packet.key);
    const [k0, , k2, , k6, k8] = [keys[0], null, keys[1], null, keys[3], keys[4]];
    assert.ok(k0 && k2 && k6 && k8);
    assert.deepEqual(secondsCovered(map, [[k2.pos, k6.pos - 1]]), [[2, 6]]);
    assert.deepEqual(secondsCovered(map, [[k8.pos, size - 1], [k2.pos, k6.pos - 1]]), [[2, 6], [
      8,
      map.duration,
    ]]);
    // two requests that touch are one interval of time
    const middle = Math.floor((k2.pos + k6.pos) / 2);
    assert.deepEqual(secondsCovered(map, [[middle + 1, k6.pos - 1], [k2.pos, middle]]), [[2, 6]]);
  });
}

test("buildMediaTimeMap() takes the audio track of an audio-only MP4", async () => {
  const { size, map } = await loadMp4("audio");
  assertWellFormed(map);
  near(map.duration, 8, 0.1, "duration");
  assert.ok(map.offsets.length >= 8 && map.offsets.length <= 8 / 0.5 + 1, `${map.offsets.length}`);
  assert.deepEqual(secondsCovered(map, [[0, size - 1]]), [[0, map.duration]]);
  const half = secondsCovered(map, [[map.mediaStart, (map.mediaStart + map.mediaEnd) / 2]]);
  near(half[0][1], 4, 0.6, "first half of the audio");
});

test("buildMediaTimeMap() maps a two-hour film (517,500 samples) to at most 20,000 points", {
  timeout: 60_000,
}, async () => {
  const spec: SynthSpec = {
    tracks: [
      {
        kind: "video",
        timescale: 12800,
        count: 180_000,
        delta: 512,
        size: (i) => (i % 50 === 0 ? 40_000 : 4_000 + ((i * 7919) % 3_000)),
        chunkSamples: 25,
        syncEvery: 50,
        compositionPattern: [1024, 2560, 0, 512, 1024],
        editMediaTime: 1024,
      },
      {
        kind: "audio",
        timescale: 48000,
        count: 337_500,
        delta: 1024,
        size: (i) => 350 + (i % 40),
        chunkSamples: 47,
      },
    ],
  };
  const file = synthFile(spec);
  const result = await readMp4Index(file.source);
  assert.ok(result.ok, result.ok ? "" : result.message);
  const map = buildMediaTimeMap({ ok: true, index: result.index, movie: result.movie });
  assert.ok(map);
  assertWellFormed(map);
  assert.ok(map.offsets.length <= 20_000, `${map.offsets.length} points`);
  assert.ok(map.offsets.length >= 7_200, `${map.offsets.length} points`);
  assert.equal(map.duration, 7200);
  // the key frame at 3600 s is a point; a frame between key frames is within a step
  assert.equal(mediaTimeAtOffset(map, file.sampleOffsets[0][90_000]), 3600);
  near(mediaTimeAtOffset(map, file.sampleOffsets[0][90_030]) ?? -1, 3601.2, 1, "frame 90,030");
  assert.deepEqual(secondsCovered(map, [[0, file.source.size - 1]]), [[0, 7200]]);
  assert.deepEqual(
    secondsCovered(map, [[file.sampleOffsets[0][90_000], file.sampleOffsets[0][90_000 + 1500] - 1]]),
    [[3600, 3660]],
  );
});

// ---- Matroska/WebM ----

for (const name of ["vp9", "vp9Front", "h264"] as const) {
  test(`buildMediaTimeMap() maps the Clusters of the ${name} sample to their cue times`, async () => {
    const { bytes } = sampleFile(name);
    const result = await readMatroskaIndex(memorySource(bytes));
    assert.ok(result.ok, result.ok ? "" : result.message);
    const map = buildMediaTimeMap(result);
    assert.ok(map);
    assertWellFormed(map);
    const { info } = result;
    assert.equal(map.duration, info.duration);
    assert.equal(map.mediaEnd, info.mediaEnd);
    assert.equal(map.mediaStart, info.firstClusterOffset);
    assert.equal(info.seekPoints.length, 5);
    assert.deepEqual(Array.from(map.offsets), info.seekPoints.map((point) => point.offset));
    for (const [i, point] of info.seekPoints.entries()) {
      // the first Cluster starts the video (its cue is at the codec delay, a few ms)
      const expected = i === 0 ? 0 : point.time;
      assert.equal(mediaTimeAtOffset(map, point.offset), expected);
      assert.equal(mediaTimeAtOffset(map, point.offset + 1), expected);
      if (i > 0) {
        assert.equal(mediaTimeAtOffset(map, point.offset - 1), i === 1 ? 0 : info.seekPoints[i - 1].time);
      }
    }
    assert.deepEqual(secondsCovered(map, [[0, bytes.length - 1]]), [[0, info.duration]]);
    assert.deepEqual(secondsCovered(map, [[0, map.mediaStart - 1]]), []);
    assert.deepEqual(secondsCovered(map, [[0, map.mediaStart + 1000]]), []);
    const [, second, third] = info.seekPoints;
    assert.deepEqual(secondsCovered(map, [[second.offset, third.offset - 1]]), [[second.time, third.time]]);
    if (info.mediaEnd < bytes.length) {
      // Cues after the Clusters: fetching them covers nothing
      assert.deepEqual(secondsCovered(map, [[info.mediaEnd, bytes.length - 1]]), []);
    }
  });
}

test("buildMediaTimeMap() reads the Matroska model readMediaIndex passes on", async () => {
  const { bytes } = sampleFile("vp9");
  const viaReader = await readMediaIndex(memorySource(bytes));
  const viaMatroska = await readMatroskaIndex(memorySource(bytes));
  assert.deepEqual(buildMediaTimeMap(viaReader), buildMediaTimeMap(viaMatroska));
});

test("buildMediaTimeMap() maps an Opus-only WebM by its cue points", async () => {
  const { bytes } = sampleFile("opus");
  const result = await readMatroskaIndex(memorySource(bytes));
  const map = buildMediaTimeMap(result);
  assert.ok(map);
  assertWellFormed(map);
  assert.deepEqual(secondsCovered(map, [[0, bytes.length - 1]]), [[0, map.duration]]);
});

test("buildMediaTimeMap() is null for live WebM (no cue points)", async () => {
  const result = await readMatroskaIndex(memorySource(sampleFile("live").bytes));
  assert.ok(result.ok);
  assert.equal(buildMediaTimeMap(result), null);
});

test("buildMediaTimeMap() falls back to the index's key frames without the container's model", async () => {
  const result = await readMatroskaIndex(memorySource(sampleFile("vp9").bytes));
  assert.ok(result.ok);
  const map = buildMediaTimeMap({ ok: true, index: result.index });
  assert.ok(map);
  assertWellFormed(map);
  assert.deepEqual(Array.from(map.offsets), result.index.keyFrames.map((frame) => frame.offset));
  // without the end of the media data, the last Cluster runs to the end of the file
  assert.equal(map.mediaEnd, Infinity);
  assert.equal(mediaTimeAtOffset(map, result.index.keyFrames[2].offset), result.index.keyFrames[2].time);

  const mp4 = await loadMp4("faststart");
  const fallback = buildMediaTimeMap({ ok: true, index: mp4.index.index });
  assert.ok(fallback);
  assert.equal(fallback.offsets.length, 6);
  assert.deepEqual(Array.from(fallback.times), [0, 2, 4, 6, 8, 10]);
});

// ---- the step function ----

test("mediaTimeAtOffset() answers the last point at or before an offset", () => {
  assert.equal(mediaTimeAtOffset(HAND_MADE, 500), 0);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 3999), 0);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 4000), 2);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 6999), 2);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 7000), 4);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 8999), 4);
});

test("mediaTimeAtOffset() is 0 in the header, the duration past the media, null without an answer", () => {
  assert.equal(mediaTimeAtOffset(HAND_MADE, 0), 0);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 499), 0);
  assert.equal(mediaTimeAtOffset(HAND_MADE, -5), 0);
  assert.equal(mediaTimeAtOffset(HAND_MADE, -Infinity), 0);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 9000), 6);
  assert.equal(mediaTimeAtOffset(HAND_MADE, 1e15), 6);
  assert.equal(mediaTimeAtOffset(HAND_MADE, Infinity), 6);
  assert.equal(mediaTimeAtOffset(HAND_MADE, Number.NaN), null);
  const empty = { ...HAND_MADE, offsets: new Float64Array(0), times: new Float64Array(0) };
  assert.equal(mediaTimeAtOffset(empty, 1000), null);
  // media before the first point (an audio chunk before the first video sample) is time 0
  assert.equal(mediaTimeAtOffset({ ...HAND_MADE, mediaStart: 100 }, 300), 0);
});

test("secondsCovered() sorts and merges byte intervals and the times they cover", () => {
  assert.deepEqual(secondsCovered(HAND_MADE, []), []);
  assert.deepEqual(secondsCovered(HAND_MADE, [[0, 499]]), []);
  assert.deepEqual(secondsCovered(HAND_MADE, [[0, 3999]]), [[0, 2]]);
  // bytes of a point but not up to the next one complete nothing yet
  assert.deepEqual(secondsCovered(HAND_MADE, [[4000, 5000]]), []);
  assert.deepEqual(secondsCovered(HAND_MADE, [[7000, 8999], [0, 3999]]), [[0, 2], [4, 6]]);
  assert.deepEqual(secondsCovered(HAND_MADE, [[4000, 6999], [0, 3999]]), [[0, 4]]);
  assert.deepEqual(secondsCovered(HAND_MADE, [[0, 3000], [2000, 6999], [100, 200]]), [[0, 4]]);
  assert.deepEqual(secondsCovered(HAND_MADE, [[0, 1e12]]), [[0, 6]]);
  assert.deepEqual(secondsCovered(HAND_MADE, [[0, Infinity]]), [[0, 6]]);
  // the index at the end of the file covers nothing
  assert.deepEqual(secondsCovered(HAND_MADE, [[9000, 12_000]]), []);
});

test("secondsCovered() ignores empty and not-a-number intervals, and an empty map", () => {
  assert.deepEqual(secondsCovered(HAND_MADE, [[5000, 4000], [Number.NaN, 8000], [0, Number.NaN]]), []);
  assert.deepEqual(secondsCovered(HAND_MADE, [[-100, 3999]]), [[0, 2]]);
  const empty = { ...HAND_MADE, offsets: new Float64Array(0), times: new Float64Array(0) };
  assert.deepEqual(secondsCovered(empty, [[0, 9000]]), []);
  assert.deepEqual(secondsCovered({ ...HAND_MADE, duration: 0 }, [[0, 9000]]), []);
  assert.deepEqual(secondsCovered({ ...HAND_MADE, duration: Number.NaN }, [[0, 9000]]), []);
});

test("watchedSeconds() sums the lengths of time intervals", () => {
  assert.equal(watchedSeconds([]), 0);
  assert.equal(watchedSeconds([[0, 2], [4, 6.5]]), 4.5);
  assert.equal(watchedSeconds([[3, 1], [Number.NaN, 2], [1, 2]]), 1);
  assert.equal(watchedSeconds(secondsCovered(HAND_MADE, [[0, 3999], [7000, 8999]])), 4);
});

// ---- retention ----

test("retentionCurve() is the share of viewings covering each bucket's midpoint", () => {
  assert.deepEqual(
    retentionCurve([[[0, 10]], [[0, 4], [8, 10]]], 10, 10),
    [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 1, 1],
  );
  assert.deepEqual(retentionCurve([[[0, 10]], [[0, 4], [8, 10]]], 10, 5), [1, 1, 0.5, 0.5, 1]);
  // a midpoint at an interval's end counts; one just past it does not
  assert.deepEqual(retentionCurve([[[0, 2.5]]], 10, 4), [1, 0, 0, 0]);
  assert.deepEqual(retentionCurve([[[0, 1.25]]], 10, 4), [1, 0, 0, 0]);
  assert.deepEqual(retentionCurve([[[0, 1.2499]]], 10, 4), [0, 0, 0, 0]);
  assert.deepEqual(retentionCurve([[[3.75, 3.75]]], 10, 4), [0, 1, 0, 0]);
});

test("retentionCurve() counts a viewing once where its intervals overlap, and ignores time past the end", () => {
  assert.deepEqual(retentionCurve([[[0, 6], [2, 8], [1, 3]], [[5, 20]]], 10, 5), [0.5, 0.5, 1, 1, 0.5]);
  assert.deepEqual(retentionCurve([[[-5, -1], [11, 20]], [[Number.NaN, 5]]], 10, 2), [0, 0]);
  assert.deepEqual(retentionCurve([[]], 10, 3), [0, 0, 0]);
});

test("retentionCurve() is all zeros without viewings or a duration", () => {
  assert.deepEqual(retentionCurve([], 10, 4), [0, 0, 0, 0]);
  assert.deepEqual(retentionCurve([[[0, 10]]], 0, 3), [0, 0, 0]);
  assert.deepEqual(retentionCurve([[[0, 10]]], Number.NaN, 2), [0, 0]);
  assert.deepEqual(retentionCurve([[[0, 10]]], Infinity, 2), [0, 0]);
});

test("retentionCurve() rejects a bucket count that is not a positive integer", () => {
  for (const buckets of [0, -1, 2.5, Number.NaN, Infinity, 1e9]) {
    assert.throws(() => retentionCurve([], 10, buckets), RangeError, `${buckets}`);
  }
  assert.throws(() => retentionCurve([], 10, 0), {
    message: /"buckets" must be an integer from 1 to 1000000, got 0/,
  });
});

test("retentionCurve() of secondsCovered() of real viewings of a WebM", async () => {
  const { bytes } = sampleFile("vp9");
  const map = buildMediaTimeMap(await readMatroskaIndex(memorySource(bytes)));
  assert.ok(map);
  const whole = secondsCovered(map, [[0, bytes.length - 1]]);
  const firstHalf = secondsCovered(map, [[0, map.offsets[3] - 1]]);
  const curve = retentionCurve([whole, firstHalf], map.duration, 10);
  assert.deepEqual(curve, [1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
});

// ---- robustness ----

test("secondsCovered() of random byte intervals stays within [0, duration], sorted and disjoint", async () => {
  const mp4 = await loadMp4("faststart");
  const webm = buildMediaTimeMap(await readMatroskaIndex(memorySource(sampleFile("vp9").bytes)));
  assert.ok(webm);
  const next = random(20240611);
  for (const [map, size] of [[mp4.map, mp4.size], [webm, sampleFile("vp9").bytes.length]] as const) {
    for (let round = 0; round < 500; round++) {
      const intervals: [number, number][] = [];
      const count = Math.floor(next() * 8);
      for (let i = 0; i < count; i++) {
        const a = Math.floor(next() * (size + 2000)) - 1000;
        const b = next() < 0.1 ? a - 1 : a + Math.floor(next() * size * (next() < 0.5 ? 0.01 : 0.5));
        intervals.push(next() < 0.02 ? [Number.NaN, b] : [a, b]);
      }
      const covered = secondsCovered(map, intervals);
      assertTimeIntervals(covered, map.duration);
      const watched = watchedSeconds(covered);
      assert.ok(watched >= 0 && watched <= map.duration);
      // more bytes never cover less
      const more = secondsCovered(map, [...intervals, [0, Math.floor(next() * size)]]);
      assert.ok(watchedSeconds(more) >= watched - 1e-9);
      for (const point of [0.1, 0.5, 0.9]) {
        const time = mediaTimeAtOffset(map, Math.floor(size * point));
        assert.ok(time !== null && time >= 0 && time <= map.duration);
      }
    }
  }
});

/** `movie` with its first track's tables changed by `change`. */
function withVideoTables(
  movie: Mp4Movie,
  change: (track: Mp4Track) => Partial<Mp4Track["samples"]>,
): Mp4Movie {
  const [first, ...rest] = movie.tracks;
  return { ...movie, tracks: [{ ...first, samples: { ...first.samples, ...change(first) } }, ...rest] };
}

test("buildMediaTimeMap() gives null or a well-formed map for hostile indexes, never an exception", async () => {
  const { index } = await loadMp4("faststart");
  const movie = index.movie;
  assert.ok(movie);
  assert.equal(movie.tracks[0].kind, "video");
  const base = index.index;
  const cases: Array<[string, unknown]> = [
    ["not ok", { ok: false, reason: "malformed", message: "x" }],
    ["null", null],
    ["no index", { ok: true }],
    ["no tracks", { ok: true, index: { ...base, keyFrames: [] }, movie: { ...movie, tracks: [] } }],
    ["no samples", {
      ok: true,
      index: { ...base, keyFrames: [] },
      movie: { ...movie, tracks: movie.tracks.map((t) => ({ ...t, samples: { ...t.samples, count: 0 } })) },
    }],
    ["video without samples", { ok: true, index: base, movie: withVideoTables(movie, () => ({ count: 0 })) }],
    ["zero timescale", {
      ok: true,
      index: base,
      movie: { ...movie, tracks: movie.tracks.map((t) => ({ ...t, timescale: 0 })) },
    }],
    ["zero duration", { ok: true, index: { ...base, duration: 0 }, movie: { ...movie, duration: 0 } }],
    ["NaN duration", {
      ok: true,
      index: { ...base, duration: Number.NaN },
      movie: { ...movie, duration: Number.NaN },
    }],
    ["huge count", { ok: true, index: base, movie: withVideoTables(movie, () => ({ count: 1e12 })) }],
    ["count past sizes", {
      ok: true,
      index: base,
      movie: withVideoTables(movie, (t) => ({ count: t.samples.count * 2 })),
    }],
    ["no chunks", {
      ok: true,
      index: base,
      movie: withVideoTables(movie, () => ({ chunkOffsets: new Uint32Array(0) })),
    }],
    ["NaN chunk offsets", {
      ok: true,
      index: base,
      movie: withVideoTables(
        movie,
        (t) => ({ chunkOffsets: new Float64Array(t.samples.chunkOffsets.length).fill(NaN) }),
      ),
    }],
    ["reversed chunks", {
      ok: true,
      index: base,
      movie: withVideoTables(movie, (t) => ({ chunkOffsets: t.samples.chunkOffsets.slice().reverse() })),
    }],
    ["broken tables", {
      ok: true,
      index: base,
      movie: withVideoTables(movie, () => ({ timeCounts: null as never })),
    }],
    ["key frames backwards", {
      ok: true,
      index: {
        ...base,
        container: "webm",
        keyFrames: [{ time: 4, offset: 100 }, { time: 2, offset: 50 }, { time: NaN, offset: 70 }],
      },
    }],
    ["key frames NaN", {
      ok: true,
      index: { ...base, container: "webm", keyFrames: [{ time: NaN, offset: NaN }] },
    }],
    ["key frames not an array", { ok: true, index: { ...base, container: "webm", keyFrames: 5 } }],
    ["info with odd seek points", {
      ok: true,
      index: { ...base, container: "webm", duration: 0, keyFrames: [] },
      info: {
        duration: Number.NaN,
        mediaEnd: Number.NaN,
        firstClusterOffset: null,
        seekPoints: [{ time: 3, offset: 900 }, { time: 1, offset: 200 }, { time: -4, offset: 500 }, {
          time: 1,
          offset: 200,
        }],
      },
    }],
    ["info without seek points", {
      ok: true,
      index: { ...base, container: "webm", keyFrames: [] },
      info: {},
    }],
  ];
  for (const [what, hostile] of cases) {
    let map: MediaTimeMap | null = null;
    assert.doesNotThrow(() => {
      map = buildMediaTimeMap(hostile as MediaTimeMapSource);
    }, what);
    if (map === null) continue;
    assertWellFormed(map);
    assertTimeIntervals(secondsCovered(map, [[0, 1e9]]), (map as MediaTimeMap).duration);
  }
  const nulls = [
    "not ok",
    "null",
    "no index",
    "no tracks",
    "no samples",
    "key frames NaN",
    "info without seek points",
  ];
  for (const [what, hostile] of cases.filter(([what]) => nulls.includes(what))) {
    assert.equal(buildMediaTimeMap(hostile as MediaTimeMapSource), null, what);
  }
});

test("buildMediaTimeMap() sorts the samples of chunks out of file order by offset", async () => {
  const { path, index, map: good } = await loadMp4("faststart");
  assert.ok(index.movie);
  // swap the offsets of each pair of video chunks (one frame each): every frame moves by one
  const swapped = withVideoTables(index.movie, (t) => {
    const offsets = t.samples.chunkOffsets.slice();
    for (let i = 0; i + 1 < offsets.length; i += 2) {
      [offsets[i], offsets[i + 1]] = [offsets[i + 1], offsets[i]];
    }
    return { chunkOffsets: offsets };
  });
  const map = buildMediaTimeMap({ ok: true, index: index.index, movie: swapped });
  assert.ok(map);
  assertWellFormed(map);
  assert.ok(Math.abs(map.offsets.length - good.offsets.length) <= 2, `${map.offsets.length} points`);
  for (const packet of await videoPackets(path)) {
    const time = mediaTimeAtOffset(map, packet.pos);
    assert.ok(
      time !== null && Math.abs(time - packet.pts) < 0.6,
      `packet at ${packet.pos}: ${time} vs ${packet.pts}`,
    );
  }
});
