/**
 * Media time ↔ byte offset in a Matroska file, through its time map: the Clusters where
 * playback can start, from the cue points. Answers are Cluster-exact, not interpolated: the
 * time of the Cluster an offset falls in, the Cluster to read from for a time.
 *
 * @module
 */

import type { MatroskaInfo, MatroskaSeekPoint } from "./matroska_info.ts";

/** The part of {@linkcode MatroskaInfo} the time map needs, so callers can pass their own. */
export type TimeMap = Pick<MatroskaInfo, "seekPoints" | "mediaEnd" | "duration">;

/**
 * The time map of `points`: in time order, each kept only when both its time and its offset are
 * past the last one kept, so either can be searched.
 */
export function seekPointsFrom(points: readonly MatroskaSeekPoint[]): MatroskaSeekPoint[] {
  const sorted = [...points].sort((a, b) => a.time - b.time || a.offset - b.offset);
  const kept: MatroskaSeekPoint[] = [];
  for (const point of sorted) {
    const last = kept[kept.length - 1];
    if (!last || (point.time > last.time && point.offset > last.offset)) {
      kept.push({ time: point.time, offset: point.offset });
    }
  }
  return kept;
}

/**
 * The media time, in seconds, of the Cluster that holds byte `byteOffset` of the file: the time
 * of the last seek point at or before it. An offset before the first seek point (the headers)
 * is time `0`, where playback from the first bytes starts.
 *
 * @param info The file's time map, from {@linkcode readMatroskaIndex}.
 * @param byteOffset A file offset.
 * @returns Seconds, or `null` when the time map is empty or the offset is not in the media
 *   data (negative, or at or past the Cues that follow the Clusters, or past the Segment).
 *
 * @example Usage
 * ```ts
 * import { timeAtOffset } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const info = {
 *   duration: 4,
 *   mediaEnd: 9000,
 *   seekPoints: [{ time: 0, offset: 500 }, { time: 2, offset: 4000 }],
 * };
 * assert.equal(timeAtOffset(info, 100), 0);
 * assert.equal(timeAtOffset(info, 5000), 2);
 * assert.equal(timeAtOffset(info, 9000), null);
 * ```
 */
export function timeAtOffset(info: TimeMap, byteOffset: number): number | null {
  const points = info.seekPoints;
  if (points.length === 0 || !(byteOffset >= 0 && byteOffset < info.mediaEnd)) return null;
  const index = lastIndexAtOrBefore(points, (point) => point.offset <= byteOffset);
  return index < 0 ? 0 : points[index].time;
}

/**
 * The file offset of the Cluster to start reading at for media time `seconds`: the last seek
 * point at or before it (the first one for a time before it).
 *
 * @param info The file's time map, from {@linkcode readMatroskaIndex}.
 * @param seconds A media time.
 * @returns A file offset, or `null` when the time map is empty or the time is negative, not a
 *   number, or past the duration.
 *
 * @example Usage
 * ```ts
 * import { offsetAtTime } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const info = {
 *   duration: 4,
 *   mediaEnd: 9000,
 *   seekPoints: [{ time: 0, offset: 500 }, { time: 2, offset: 4000 }],
 * };
 * assert.equal(offsetAtTime(info, 1.5), 500);
 * assert.equal(offsetAtTime(info, 3), 4000);
 * assert.equal(offsetAtTime(info, 5), null);
 * ```
 */
export function offsetAtTime(info: TimeMap, seconds: number): number | null {
  const points = info.seekPoints;
  if (points.length === 0 || !Number.isFinite(seconds) || seconds < 0) return null;
  if (info.duration > 0 && seconds > info.duration) return null;
  const index = lastIndexAtOrBefore(points, (point) => point.time <= seconds);
  return points[Math.max(0, index)].offset;
}

/** The last index where `atOrBefore` holds, for a predicate true on a prefix; `-1` for none. */
function lastIndexAtOrBefore(
  points: readonly MatroskaSeekPoint[],
  atOrBefore: (point: MatroskaSeekPoint) => boolean,
): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (atOrBefore(points[middle])) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
