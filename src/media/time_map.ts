/**
 * Byte offsets of a media file → seconds of its media, for watch time: which seconds of a video
 * the byte ranges a viewer received covered, and the share of viewings that reached each part.
 *
 * A {@linkcode MediaTimeMap} is a compact step function (at most about one point per 0.5 s,
 * plus the key frames), built once per file from its index: from every sample of the first
 * video track for MP4, from the cue points for Matroska/WebM.
 *
 * @module
 */

import type { Mp4Movie, Mp4SampleTables, Mp4Track } from "./mp4/movie.ts";
import { forEachChunk, samplesBytes, sampleSize } from "./mp4/sample_tables.ts";
import { SampleClock, toSeconds, trackTimeMap } from "./mp4/timeline.ts";
import type { MediaFileIndex } from "./read_media_index.ts";
import type { KeyFrame } from "./types.ts";
import type { MatroskaInfo } from "./webm/matroska_info.ts";

/**
 * Where a file's media time is in its bytes: a step function from byte offset to presentation
 * time, increasing in both. The point at `offsets[i]` holds from there to the next point.
 */
export interface MediaTimeMap {
  /** Seconds of media; no time of the map is past it. */
  duration: number;
  /** Byte offsets of the points, strictly ascending. */
  offsets: Float64Array;
  /**
   * Seconds at each point, non-decreasing, in `[0, duration]`, the first `0`; same length as
   * `offsets`.
   */
  times: Float64Array;
  /** First byte of media data: offsets before it are the header (time `0`). */
  mediaStart: number;
  /** End (exclusive) of media data: offsets at or past it are time `duration`. */
  mediaEnd: number;
}

/**
 * What {@linkcode buildMediaTimeMap} reads: the result of `readMediaIndex` (with the MP4 model),
 * or of `readMatroskaIndex` (with its Matroska model, `info`), or any result whose index has key
 * frames.
 */
export type MediaTimeMapSource = MediaFileIndex & {
  /** The Matroska model `readMatroskaIndex` returns, or the part of it the map needs. */
  info?: Partial<Pick<MatroskaInfo, "seekPoints" | "mediaEnd" | "duration" | "firstClusterOffset">>;
};

/** Seconds between points of the map, for films up to `MAX_STEP_POINTS` × this long. */
const MIN_STEP = 0.5;
/** Most points kept by time alone; past it the step grows (a two-hour film: one per 0.72 s). */
const MAX_STEP_POINTS = 10_000;
/** Most samples of a track mapped (`readMp4Index`'s default limit): past it the index is not believed. */
const MAX_SAMPLES = 20_000_000;

/**
 * Builds the map from byte offsets to media time of a file, from its index.
 *
 * - MP4: every sample of the first video track (else the first audio track), its file offset
 *   from the chunk offsets, `stsc` runs and sample sizes, its presentation time from `stts` +
 *   `ctts` minus the edit list's shift. Points are in file order, and the time of each is the
 *   latest presentation time of the samples up to it: with B-frames, presentation times go back
 *   and forth in file order, and the map answers "how far into the video the bytes reached",
 *   which must only increase. Audio chunks between video samples take the time of the video
 *   sample before them. A track whose chunks are not in file order (rare: edited QuickTime
 *   files) is sorted by offset first, which costs typed arrays of about 21 bytes per sample.
 * - Matroska/WebM: the seek points (Cluster offset → cue time) of `info`, so the map is
 *   Cluster-exact; without `info`, the index's key frames, with no known end of media data.
 *
 * The map keeps one point per 0.5 s of media (one per `duration / 10000` s for films over
 * 83 minutes) and every key frame when key frames are that sparse, in one pass without an
 * object per sample, so a two-hour film's map has under 20,000 points. The first point is time
 * `0` whatever its cue or edit says (a first cue at 0.007 s is codec delay, not a gap), so the
 * header alone covers no time.
 *
 * @param index What `readMediaIndex` or `readMatroskaIndex` returned.
 * @returns The map, or `null` when the index is not ok, has no track with samples or cue points,
 *   or no duration. A hostile or inconsistent index gives `null`, never an exception.
 *
 * @example Usage
 * ```ts
 * import { buildMediaTimeMap, mediaTimeAtOffset } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const seekPoints = [{ time: 0, offset: 500 }, { time: 2, offset: 4000 }, { time: 4, offset: 7000 }];
 * const map = buildMediaTimeMap({
 *   ok: true,
 *   index: {
 *     container: "webm",
 *     duration: 6,
 *     bitrate: 0,
 *     tracks: [],
 *     fastStart: true,
 *     keyFrames: seekPoints,
 *     mimeType: "video/webm",
 *   },
 *   info: { duration: 6, mediaEnd: 9000, firstClusterOffset: 500, seekPoints },
 * });
 * assert.ok(map);
 * assert.equal(mediaTimeAtOffset(map, 5000), 2);
 * assert.equal(mediaTimeAtOffset(map, 9000), 6);
 * ```
 */
export function buildMediaTimeMap(index: MediaTimeMapSource): MediaTimeMap | null {
  try {
    if (!index || index.ok !== true || !index.index) return null;
    const movie = index.index.container === "mp4" ? index.movie : undefined;
    const fine = movie ? mp4Map(movie, index.index.duration) : index.info ? matroskaMap(index) : null;
    return fine ?? keyFrameMap(index.index.keyFrames, index.index.duration, null, Infinity);
  } catch {
    // A hand-made index with missing tables must not take the caller down.
    return null;
  }
}

/**
 * The media time at byte `offset` of the file: the time of the last point at or before it.
 * Named apart from the Matroska time map's `timeAtOffset`, which reads a `MatroskaInfo` and
 * answers `null` outside the media data, where this one answers `0` and the duration.
 *
 * @param map The file's map, from {@linkcode buildMediaTimeMap}.
 * @param offset A file offset.
 * @returns Seconds: `0` before `mediaStart` (the header) and before the first point,
 *   `map.duration` at or past `mediaEnd` (an index at the end of the file); `null` for an
 *   empty map or an offset that is not a number.
 *
 * @example Usage
 * ```ts
 * import { mediaTimeAtOffset } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const map = {
 *   duration: 6,
 *   offsets: Float64Array.of(500, 4000, 7000),
 *   times: Float64Array.of(0, 2, 4),
 *   mediaStart: 500,
 *   mediaEnd: 9000,
 * };
 * assert.equal(mediaTimeAtOffset(map, 100), 0);
 * assert.equal(mediaTimeAtOffset(map, 3999), 0);
 * assert.equal(mediaTimeAtOffset(map, 4000), 2);
 * assert.equal(mediaTimeAtOffset(map, 9000), 6);
 * ```
 */
export function mediaTimeAtOffset(map: MediaTimeMap, offset: number): number | null {
  const { offsets, times } = map;
  if (offsets.length === 0 || Number.isNaN(offset)) return null;
  if (offset < map.mediaStart) return 0;
  if (offset >= map.mediaEnd) return map.duration;
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (offsets[middle] <= offset) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 0 : times[low - 1];
}

/**
 * The seconds of media that byte intervals of the file covered. Byte interval `[a, b]`
 * (inclusive) covers `[mediaTimeAtOffset(a), mediaTimeAtOffset(b + 1)]`: from the media the
 * first byte falls in to the media the bytes reach, so touching byte intervals give touching
 * time intervals, and bytes of the header or of an index after the media cover nothing.
 *
 * @param map The file's map, from {@linkcode buildMediaTimeMap}.
 * @param byteIntervals Inclusive byte intervals, in any order, possibly overlapping (as a watch
 *   log's viewing stores them); empty or not-a-number ones are ignored.
 * @returns Disjoint time intervals in seconds within `[0, map.duration]`, sorted, each of
 *   positive length, touching ones merged; empty for an empty map.
 *
 * @example Usage
 * ```ts
 * import { secondsCovered } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const map = {
 *   duration: 6,
 *   offsets: Float64Array.of(500, 4000, 7000),
 *   times: Float64Array.of(0, 2, 4),
 *   mediaStart: 500,
 *   mediaEnd: 9000,
 * };
 * assert.deepEqual(secondsCovered(map, [[0, 499]]), []);
 * assert.deepEqual(secondsCovered(map, [[0, 3999], [4000, 4500]]), [[0, 2]]);
 * assert.deepEqual(secondsCovered(map, [[0, 3999], [7000, 9999]]), [[0, 2], [4, 6]]);
 * ```
 */
export function secondsCovered(
  map: MediaTimeMap,
  byteIntervals: readonly (readonly [number, number])[],
): [number, number][] {
  if (map.offsets.length === 0 || !(map.duration > 0)) return [];
  const result: [number, number][] = [];
  for (const [first, last] of mergedBytes(byteIntervals)) {
    const start = clamp(mediaTimeAtOffset(map, first) ?? 0, map.duration);
    const end = clamp(mediaTimeAtOffset(map, last + 1) ?? 0, map.duration);
    if (!(end > start)) continue;
    const previous = result[result.length - 1];
    if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], end);
    else result.push([start, end]);
  }
  return result;
}

/**
 * Seconds watched: the total length of time intervals.
 *
 * @param intervals Disjoint time intervals, as {@linkcode secondsCovered} returns.
 * @returns The sum of their lengths in seconds (empty or not-a-number intervals count 0).
 *
 * @example Usage
 * ```ts
 * import { watchedSeconds } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * assert.equal(watchedSeconds([[0, 2], [4, 6.5]]), 4.5);
 * assert.equal(watchedSeconds([]), 0);
 * ```
 */
export function watchedSeconds(intervals: readonly (readonly [number, number])[]): number {
  let total = 0;
  for (const [start, end] of intervals) if (end > start) total += end - start;
  return total;
}

/**
 * The retention curve of a video: for each of `buckets` equal parts of its duration, the share
 * of viewings whose covered time intervals include the part's midpoint.
 *
 * @param viewings The time intervals (seconds) each viewing covered, as
 *   {@linkcode secondsCovered} returns; one entry per viewing.
 * @param duration The video's length in seconds.
 * @param buckets How many parts to cut the duration into.
 * @returns `buckets` shares from 0 to 1; all 0 without viewings or without a positive duration.
 * @throws {RangeError} When `buckets` is not an integer from 1 to 1,000,000.
 *
 * @example Usage
 * ```ts
 * import { retentionCurve } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const curve = retentionCurve([[[0, 10]], [[0, 4], [8, 10]]], 10, 5);
 * assert.deepEqual(curve, [1, 1, 0.5, 0.5, 1]);
 * ```
 */
export function retentionCurve(
  viewings: readonly (readonly (readonly [number, number])[])[],
  duration: number,
  buckets: number,
): number[] {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1_000_000) {
    throw new RangeError(
      `Cannot compute retention curve: "buckets" must be an integer from 1 to 1000000, got ${buckets}`,
    );
  }
  const counts = new Float64Array(buckets);
  if (!(duration > 0) || !Number.isFinite(duration) || viewings.length === 0) return Array.from(counts);
  const width = duration / buckets;
  const midpoint = (bucket: number) => (bucket + 0.5) * width;
  // the last viewing that counted each bucket, so overlapping intervals count a viewing once
  const countedBy = new Int32Array(buckets).fill(-1);
  viewings.forEach((intervals, viewing) => {
    for (const [start, end] of intervals) {
      if (!(end >= start)) continue;
      let first = Math.max(0, Math.ceil(start / width - 0.5) - 1);
      while (first < buckets && midpoint(first) < start) first++;
      let last = Math.min(buckets - 1, Math.floor(end / width - 0.5) + 1);
      while (last >= 0 && midpoint(last) > end) last--;
      for (let bucket = first; bucket <= last; bucket++) {
        if (countedBy[bucket] === viewing) continue;
        countedBy[bucket] = viewing;
        counts[bucket]++;
      }
    }
  });
  return Array.from(counts, (count) => count / viewings.length);
}

function clamp(seconds: number, duration: number): number {
  return Math.min(duration, Math.max(0, seconds));
}

/** Inclusive byte intervals sorted and merged, touching ones too; empty and NaN ones dropped. */
function mergedBytes(intervals: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = intervals
    .filter((interval) => Array.isArray(interval) && interval[1] >= interval[0])
    .map(([start, end]): [number, number] => [start, end])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval[0] <= last[1] + 1) last[1] = Math.max(last[1], interval[1]);
    else merged.push(interval);
  }
  return merged;
}

/**
 * Collects the points of a map in one pass over points in ascending offset order: keeps a
 * point when its time is a step past the last kept one, or when it is a key frame later than
 * it. The time of a point is the latest time fed so far, so times never go back.
 */
class PointThinner {
  readonly #duration: number;
  readonly #step: number;
  readonly #mediaEnd: number;
  #offsets = new Float64Array(256);
  #times = new Float64Array(256);
  #length = 0;
  #latest = 0;

  /**
   * @param duration Seconds of media: times are clamped to it.
   * @param mediaEnd Offsets at or past it are not points.
   */
  constructor(duration: number, mediaEnd: number) {
    this.#duration = duration;
    this.#step = stepFor(duration);
    this.#mediaEnd = mediaEnd;
  }

  /** Feeds a point; offsets must not go back (equal ones keep the first point). */
  add(offset: number, time: number, key: boolean): void {
    if (!Number.isFinite(offset) || offset < 0 || offset >= this.#mediaEnd) return;
    if (Number.isFinite(time) && time > this.#latest) this.#latest = Math.min(time, this.#duration);
    const length = this.#length;
    if (length > 0) {
      if (offset <= this.#offsets[length - 1]) return;
      const lastTime = this.#times[length - 1];
      if (!(this.#latest >= lastTime + this.#step || (key && this.#latest > lastTime))) return;
    }
    if (length === this.#offsets.length) this.#grow();
    this.#offsets[length] = offset;
    this.#times[length] = this.#latest;
    this.#length = length + 1;
  }

  /** Whether key frames this many can all be kept: no denser on average than the step. */
  keysFit(keyCount: number): boolean {
    return keyCount <= this.#duration / this.#step;
  }

  /** The map of the points fed, `null` without any. */
  finish(mediaStart: number, mediaEnd: number): MediaTimeMap | null {
    if (this.#length === 0) return null;
    const offsets = this.#offsets.slice(0, this.#length);
    const times = this.#times.slice(0, this.#length);
    // Playback from the first media byte starts the video: a first cue at 0.007 s (codec delay)
    // or a first frame cut by an edit is not a gap, so the header alone covers nothing.
    times[0] = 0;
    return {
      duration: this.#duration,
      offsets,
      times,
      mediaStart: Number.isFinite(mediaStart) ? Math.min(mediaStart, offsets[0]) : offsets[0],
      mediaEnd,
    };
  }

  #grow(): void {
    const offsets = new Float64Array(this.#offsets.length * 2);
    const times = new Float64Array(this.#times.length * 2);
    offsets.set(this.#offsets);
    times.set(this.#times);
    this.#offsets = offsets;
    this.#times = times;
  }
}

/** Seconds between points kept by time. */
function stepFor(duration: number): number {
  return Math.max(MIN_STEP, duration / MAX_STEP_POINTS);
}

function positive(...candidates: (number | undefined)[]): number {
  for (const value of candidates) {
    if (value !== undefined && value > 0 && Number.isFinite(value)) return value;
  }
  return 0;
}

// ---- MP4 ----

function mp4Map(movie: Mp4Movie, indexDuration: number): MediaTimeMap | null {
  const usable = (track: Mp4Track) => usableTables(track.samples) && track.timescale > 0;
  const track = movie.tracks.find((t) => t.kind === "video" && usable(t)) ??
    movie.tracks.find((t) => t.kind === "audio" && usable(t));
  if (!track) return null;
  const duration = positive(
    indexDuration,
    movie.duration / movie.timescale,
    track.samples.totalDuration / track.timescale,
  );
  if (duration === 0) return null;
  const extent = mediaExtent(movie);
  if (extent === null) return null;
  const tables = track.samples;
  const map = trackTimeMap(track, movie.timescale);
  const clock = new SampleClock(tables);
  const time = (sample: number) => toSeconds(map, clock.presentationTime(sample));
  let thinner = new PointThinner(duration, extent.end);
  const sync = tables.syncSamples !== null && thinner.keysFit(tables.syncSamples.length)
    ? tables.syncSamples
    : null;
  // Samples in file order, the usual case: one pass, no array per sample.
  let nextSync = 0;
  let previous = -Infinity;
  const ascending = forEachSample(tables, (sample, offset) => {
    if (offset < previous) return false;
    previous = offset;
    let key = false;
    if (sync) {
      while (nextSync < sync.length && sync[nextSync] - 1 < sample) nextSync++;
      key = nextSync < sync.length && sync[nextSync] - 1 === sample;
    }
    thinner.add(offset, time(sample), key);
  });
  if (!ascending) {
    thinner = new PointThinner(duration, extent.end);
    addInFileOrder(tables, new SampleClock(tables), map, sync, thinner);
  }
  return thinner.finish(extent.start, extent.end);
}

/** Whether a track's tables can be walked without reading past their arrays. */
function usableTables(tables: Mp4SampleTables): boolean {
  const { count, sizes } = tables;
  return Number.isSafeInteger(count) && count > 0 && count <= MAX_SAMPLES &&
    (sizes === null ? tables.constantSize >= 0 : sizes.length >= count) &&
    tables.chunkOffsets.length > 0 && tables.chunkRunFirst.length > 0 &&
    tables.chunkRunSamples.length >= tables.chunkRunFirst.length;
}

/**
 * Calls `visit` with each sample's index and file offset, in sample order; `visit` returning
 * `false` stops the walk.
 *
 * @returns Whether the walk went to the end.
 */
function forEachSample(
  tables: Mp4SampleTables,
  visit: (sample: number, offset: number) => boolean | void,
): boolean {
  let whole = true;
  forEachChunk(tables, (chunk, first, samples) => {
    let offset = tables.chunkOffsets[chunk];
    for (let sample = first; sample < first + samples; sample++) {
      if (visit(sample, offset) === false) {
        whole = false;
        return false;
      }
      offset += sampleSize(tables, sample);
    }
  });
  return whole;
}

/** The odd file whose chunks are not in file order: samples sorted by offset, then thinned. */
function addInFileOrder(
  tables: Mp4SampleTables,
  clock: SampleClock,
  map: ReturnType<typeof trackTimeMap>,
  sync: Uint32Array | null,
  thinner: PointThinner,
): void {
  const offsets = new Float64Array(tables.count).fill(Number.NaN);
  const times = new Float64Array(tables.count);
  forEachSample(tables, (sample, offset) => {
    offsets[sample] = offset;
    times[sample] = toSeconds(map, clock.presentationTime(sample));
  });
  const keys = new Uint8Array(tables.count);
  if (sync) { for (const sample of sync) if (sample >= 1 && sample <= tables.count) keys[sample - 1] = 1; }
  let mapped = 0;
  const order = new Uint32Array(tables.count);
  for (let sample = 0; sample < tables.count; sample++) {
    if (Number.isFinite(offsets[sample])) order[mapped++] = sample;
  }
  const sorted = order.subarray(0, mapped).sort((a, b) => offsets[a] - offsets[b] || a - b);
  for (const sample of sorted) thinner.add(offsets[sample], times[sample], keys[sample] === 1);
}

/** The first and past-the-last byte of every track's samples, `null` when none is known. */
function mediaExtent(movie: Mp4Movie): { start: number; end: number } | null {
  let start = Infinity;
  let end = -Infinity;
  for (const track of movie.tracks) {
    const tables = track.samples;
    if (!usableTables(tables)) continue;
    forEachChunk(tables, (chunk, first, samples) => {
      const at = tables.chunkOffsets[chunk];
      const past = at + samplesBytes(tables, first, samples);
      if (!Number.isFinite(at) || !Number.isFinite(past)) return;
      start = Math.min(start, at);
      end = Math.max(end, past);
    });
  }
  return end > start ? { start, end } : null;
}

// ---- Matroska/WebM and key frames ----

function matroskaMap(index: MediaTimeMapSource & { ok: true }): MediaTimeMap | null {
  const info = index.info ?? {};
  const points = Array.isArray(info.seekPoints) ? info.seekPoints : [];
  const duration = positive(info.duration, index.index.duration);
  const mediaEnd = info.mediaEnd !== undefined && info.mediaEnd > 0 ? info.mediaEnd : Infinity;
  return keyFrameMap(points, duration, info.firstClusterOffset ?? null, mediaEnd);
}

/**
 * The map of points where playback can start (cue points, key frames): each is a key frame.
 * Without a duration, the last point's time is the duration (the last Cluster covers nothing).
 */
function keyFrameMap(
  points: readonly KeyFrame[],
  duration: number,
  mediaStart: number | null,
  mediaEnd: number,
): MediaTimeMap | null {
  const valid = points.filter((point) =>
    point && Number.isFinite(point.offset) && point.offset >= 0 && Number.isFinite(point.time)
  );
  if (valid.length === 0) return null;
  let ascending = true;
  for (let i = 1; i < valid.length && ascending; i++) ascending = valid[i].offset >= valid[i - 1].offset;
  const sorted = ascending ? valid : [...valid].sort((a, b) => a.offset - b.offset);
  const end = Number.isFinite(mediaEnd) && mediaEnd > sorted[0].offset ? mediaEnd : Infinity;
  let latest = 0;
  for (const point of sorted) latest = Math.max(latest, point.time);
  const seconds = positive(duration, latest);
  if (seconds === 0) return null;
  const thinner = new PointThinner(seconds, end);
  const keys = thinner.keysFit(sorted.length);
  for (const point of sorted) thinner.add(point.offset, point.time, keys);
  return thinner.finish(mediaStart ?? sorted[0].offset, end);
}
