/**
 * Which bytes of a file a response actually covered, from what `serveStream` reports: the
 * watch log's coverage and the media layer's seconds both start from it.
 *
 * @module
 */

import type { ByteRange } from "./range.ts";

/**
 * The byte intervals a response actually covered: its ranges, cut short to the bytes delivered
 * when a single-range body was aborted. Multipart bodies, and complete bodies whose delivery the
 * runtime does not count (`null`), count their ranges as planned; an aborted body nobody counted
 * covers nothing, since no byte of it is certain to have arrived.
 *
 * @param ranges The ranges sent.
 * @param bytesDelivered The body bytes delivered, or `null` when unknown.
 * @param aborted Whether the body was cut short.
 * @returns The covered intervals (possibly empty).
 *
 * @example Usage
 * ```ts
 * import { servedIntervals } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 10), [[100, 109]]);
 * assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], null), [[100, 199]]);
 * ```
 */
export function servedIntervals(
  ranges: readonly ByteRange[],
  bytesDelivered: number | null,
  aborted = false,
): [number, number][] {
  if (aborted && bytesDelivered === null) return []; // cut short, and nobody counted: no byte is certain
  if (ranges.length === 1 && bytesDelivered !== null) {
    const { start, end } = ranges[0];
    const last = Math.min(end, start + bytesDelivered - 1);
    return last >= start ? [[start, last]] : [];
  }
  return ranges.filter((r) => r.end >= r.start).map((r): [number, number] => [r.start, r.end]);
}
