/**
 * Pure helpers that group requests into viewings: who the viewer is, which bytes a response
 * covered, and the union of covered intervals.
 *
 * @module
 */

export { servedIntervals } from "../core/served_intervals.ts";

/** An inclusive byte interval `[start, end]`. */
export type Interval = [number, number];

/**
 * The key that makes requests one viewer's: the user id when known, otherwise the client
 * address and user agent together.
 *
 * @param userId The user's id, or `null`.
 * @param clientIp The client's address, or `null`.
 * @param userAgent The `User-Agent` header, or `null`.
 * @returns The viewer key.
 *
 * @example Usage
 * ```ts
 * import { viewerKey } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 *
 * assert.equal(viewerKey("42", "10.0.0.1", "curl"), "user:42");
 * assert.equal(viewerKey(null, "10.0.0.1", "curl"), "anon:10.0.0.1 curl");
 * ```
 */
export function viewerKey(userId: string | null, clientIp: string | null, userAgent: string | null): string {
  return userId !== null ? `user:${userId}` : `anon:${clientIp ?? ""} ${userAgent ?? ""}`;
}

/**
 * Merges intervals into a sorted list of disjoint ones; touching intervals (`[0,9]`, `[10,19]`)
 * become one.
 *
 * @param intervals The intervals, in any order, possibly overlapping.
 * @returns The union, sorted by start.
 *
 * @example Usage
 * ```ts
 * import { mergeIntervals } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mergeIntervals([[10, 19], [0, 9], [15, 30], [40, 50]]), [[0, 30], [40, 50]]);
 * ```
 */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([s, e]) => e >= s).sort((a, b) => a[0] - b[0]);
  const merged: Interval[] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && start <= last[1] + 1) {
      if (end > last[1]) last[1] = end;
    } else {
      merged.push([start, end]);
    }
  }
  return merged;
}

/**
 * Adds one interval to a list of merged intervals in place, merging it with those it overlaps
 * or touches: what `mergeIntervals([...merged, interval])` returns, in O(log n) plus the
 * splice, so a viewing with hundreds of scattered seeks costs little per request.
 *
 * @param merged Sorted, disjoint, non-touching intervals, as {@linkcode mergeIntervals} returns.
 * @param interval The interval to add (inclusive); ignored when empty.
 * @returns `merged`, updated.
 *
 * @example Usage
 * ```ts
 * import { addInterval } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(addInterval([[0, 9], [20, 29]], [10, 19]), [[0, 29]]);
 * assert.deepEqual(addInterval([[0, 9]], [50, 59]), [[0, 9], [50, 59]]);
 * ```
 */
export function addInterval(merged: Interval[], interval: Interval): Interval[] {
  let [start, end] = interval;
  if (end < start) return merged;
  // the first interval that ends at or after start - 1: the first one this could touch
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (merged[mid][1] < start - 1) lo = mid + 1;
    else hi = mid;
  }
  let last = lo;
  while (last < merged.length && merged[last][0] <= end + 1) {
    start = Math.min(start, merged[last][0]);
    end = Math.max(end, merged[last][1]);
    last++;
  }
  merged.splice(lo, last - lo, [start, end]);
  return merged;
}

/**
 * Bytes covered by disjoint intervals.
 *
 * @param intervals Merged intervals, as {@linkcode mergeIntervals} returns.
 * @returns The number of bytes.
 */
export function coveredBytes(intervals: readonly Interval[]): number {
  let total = 0;
  for (const [start, end] of intervals) total += end - start + 1;
  return total;
}
