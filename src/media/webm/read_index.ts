/**
 * Reading a Matroska or WebM file's index through a {@linkcode ByteSource}: element headers,
 * the SeekHead, Info, Tracks and Cues, never the Clusters' media data.
 *
 * @module
 */

import type { ByteSource, MediaIndex, MediaIndexResult } from "../types.ts";
import { readGuarded } from "../format_error.ts";
import type { MatroskaInfo } from "./matroska_info.ts";
import { matroskaIndex } from "./media_index.ts";
import { RangeReader } from "./range_reader.ts";
import { readMatroskaInfo } from "./read_info.ts";

/** Limits of {@linkcode readMatroskaIndex}: a file past them is `"too-large"`. */
export interface ReadMatroskaOptions {
  /**
   * Largest SeekHead, Info, Tracks or Cues element read, in bytes. A two-hour film's Cues are a
   * few hundred KB.
   *
   * @default {33554432}
   */
  maxElementSize?: number;
  /**
   * Most cue positions read, over all CuePoints and tracks (a two-hour film with a key frame
   * every two seconds has 3,600).
   *
   * @default {1000000}
   */
  maxCuePoints?: number;
  /**
   * Most top-level elements of the Segment walked by their headers. The walk reaches the first
   * Cluster, and past it only when there is no SeekHead, to find the Cues (one element per
   * Cluster); at the limit it stops and the file is read without what lies beyond.
   *
   * @default {100000}
   */
  maxTopLevelElements?: number;
}

/**
 * What {@linkcode readMatroskaIndex} found: the public index with the model to map times and
 * offsets with, or why the file was not read.
 *
 * | result                                | meaning                                               |
 * | ------------------------------------- | ----------------------------------------------------- |
 * | `{ ok: true, index, info }`           | the file's index                                      |
 * | `{ ok: false, reason: "not-media" }`  | no EBML header, or a DocType other than webm/matroska |
 * | `{ ok: false, reason: "malformed" }`  | truncated or inconsistent (or no Info or Tracks)      |
 * | `{ ok: false, reason: "unsupported"}` | an EBML or DocType read version past those known      |
 * | `{ ok: false, reason: "too-large" }`  | past a limit of {@linkcode ReadMatroskaOptions}       |
 */
export type MatroskaResult =
  | { ok: true; index: MediaIndex; info: MatroskaInfo }
  | Extract<MediaIndexResult, { ok: false }>;

/**
 * Reads the index of a Matroska or WebM file: its duration, tracks and codecs, key frames (the
 * cue points of the first video track), and whether it is fast start, from element headers and
 * the SeekHead, Info, Tracks and Cues elements alone; Clusters are skipped by their size. A
 * typical file costs two or three reads of a few KB. A hostile or broken file gives
 * `{ ok: false }`, never an exception; memory stays bounded by the options.
 *
 * Live WebM (Segment and Clusters of unknown size, no Cues) reads as far as its first Cluster:
 * tracks and codecs, no key frames, fast start.
 *
 * @param source The file's bytes.
 * @param options Limits, see {@linkcode ReadMatroskaOptions}.
 * @returns The index and the Matroska model, or why the file was not read.
 * @throws {RangeError} When a limit in `options` is not a positive integer.
 * @throws What `source.read` throws (an I/O error is not a property of the file).
 *
 * @example Usage
 * ```ts
 * import { memorySource, readMatroskaIndex } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const result = await readMatroskaIndex(memorySource(new TextEncoder().encode("not a film")));
 * assert.equal(result.ok, false);
 * assert.equal(result.ok ? "" : result.reason, "not-media");
 * ```
 */
export async function readMatroskaIndex(
  source: ByteSource,
  options: ReadMatroskaOptions = {},
): Promise<MatroskaResult> {
  const { maxElementSize = 32 * 1024 * 1024, maxCuePoints = 1_000_000, maxTopLevelElements = 100_000 } =
    options;
  checkLimit("maxElementSize", maxElementSize);
  checkLimit("maxCuePoints", maxCuePoints);
  checkLimit("maxTopLevelElements", maxTopLevelElements);
  return await readGuarded(source, async (guarded) => {
    const info = await readMatroskaInfo(new RangeReader(guarded), {
      maxElementSize,
      maxCuePoints,
      maxTopLevelElements,
    });
    return { ok: true, index: matroskaIndex(info), info } as const;
  });
}

function checkLimit(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Cannot read Matroska index: "${name}" must be a positive integer, got ${value}`);
  }
}
