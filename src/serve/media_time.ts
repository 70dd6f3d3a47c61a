/**
 * The seconds of media a response's bytes covered, for the watch log's watch time: the served
 * bytes (of the file, or of a clip's or a fast start's layout) traced back to the file's bytes,
 * then through the file's byte → time map.
 *
 * @module
 */

import { type ByteLayout, layoutParts } from "../core/byte_layout.ts";
import { buildMediaTimeMap, type MediaTimeMap, secondsCovered } from "../media/time_map.ts";
import type { MediaFileIndex } from "../media/read_media_index.ts";

/** What a response covered of its media, in seconds: part of a `StreamEvent`. */
export interface MediaSeconds {
  /** The media's length in seconds. */
  duration: number;
  /**
   * The seconds the delivered bytes covered, as disjoint sorted `[start, end]` intervals within
   * `[0, duration]` (empty when they held only the header or an index at the end). A clip's
   * seconds are those of the file it was cut from.
   */
  seconds: [number, number][];
}

/** Maps kept per index (dropped with it when the index cache lets it go); `null`: no map. */
const maps = new WeakMap<MediaFileIndex, MediaTimeMap | null>();

function timeMapOf(index: MediaFileIndex): MediaTimeMap | null {
  let map = maps.get(index);
  if (map === undefined) maps.set(index, map = index.ok ? buildMediaTimeMap(index) : null);
  return map;
}

/**
 * The seconds of media that served byte intervals covered.
 *
 * @param index The file's media index.
 * @param layout The layout served instead of the file (a clip, a fast start), or `null`.
 * @param served Inclusive intervals of the served bytes (of `layout` when given).
 * @returns The seconds, or `null` when the index maps no bytes to time (not media, unreadable).
 */
export function mediaSecondsServed(
  index: MediaFileIndex,
  layout: ByteLayout | null,
  served: readonly (readonly [number, number])[],
): MediaSeconds | null {
  const map = timeMapOf(index);
  if (map === null) return null;
  const fileIntervals = layout === null
    ? served
    : served.flatMap((interval) => fileBytesOf(layout, interval));
  return { duration: map.duration, seconds: secondsCovered(map, fileIntervals) };
}

/** The file's bytes behind an interval of a layout: its header bytes are nobody's media. */
function fileBytesOf(layout: ByteLayout, [start, end]: readonly [number, number]): [number, number][] {
  const parts = layoutParts(layout, { start, end });
  return parts.flatMap((part) =>
    part.kind === "file" ? [[part.range.start, part.range.end] as [number, number]] : []
  );
}
