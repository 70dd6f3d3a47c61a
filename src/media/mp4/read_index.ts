/**
 * Reading an MP4 (ISO BMFF: MP4, M4V, M4A, MOV, 3GP) file's index through a
 * {@linkcode ByteSource}: the top-level box headers and the `moov` box, never the media data.
 *
 * @module
 */

import type { ByteSource, MediaIndex } from "../types.ts";
import type { Mp4FailureReason } from "./byte_reader.ts";
import { readGuarded } from "../format_error.ts";
import { movieIndex } from "./media_index.ts";
import type { Mp4Movie } from "./movie.ts";
import { parseMovie } from "./parse_moov.ts";
import { scanTopLevel } from "./top_level.ts";

/** Limits of {@linkcode readMp4Index}: a file past them is `"too-large"`. */
export interface ReadMp4Options {
  /**
   * Largest `moov` box read, in bytes. A two-hour film's `moov` is a few MB.
   *
   * @default {67108864}
   */
  maxMoovSize?: number;
  /**
   * Most samples over all tracks (a two-hour film at 25 fps with 48 kHz AAC has about
   * 520,000).
   *
   * @default {20000000}
   */
  maxSamples?: number;
  /**
   * Most top-level boxes walked before `moov` is found (a fragmented file has two per fragment).
   *
   * @default {100000}
   */
  maxTopLevelBoxes?: number;
}

/**
 * What {@linkcode readMp4Index} found: the public index with the model clips are planned from,
 * or why the file was not read.
 *
 * | result                               | meaning                                        |
 * | ------------------------------------ | ---------------------------------------------- |
 * | `{ ok: true, index, movie }`         | the file's index                               |
 * | `{ ok: false, reason: "not-media" }` | not an ISO BMFF file                           |
 * | `{ ok: false, reason: "malformed" }` | truncated or inconsistent (or no `moov`)       |
 * | `{ ok: false, reason: "unsupported"}`| valid but not read (box versions, images)      |
 * | `{ ok: false, reason: "too-large" }` | past a limit of {@linkcode ReadMp4Options}     |
 */
export type Mp4Result =
  | { ok: true; index: MediaIndex; movie: Mp4Movie }
  | { ok: false; reason: Mp4FailureReason; message: string };

/**
 * Reads the index of an MP4 file: its duration, tracks and codecs, key frames, and whether it is
 * fast start, from the top-level box headers and the `moov` box alone (`mdat` is skipped by its
 * size). A hostile or broken file gives `{ ok: false }`, never an exception; memory stays
 * proportional to the sample count, bounded by the options.
 *
 * @param source The file's bytes.
 * @param options Limits, see {@linkcode ReadMp4Options}.
 * @returns The index and the movie model, or why the file was not read.
 * @throws What `source.read` throws (an I/O error is not a property of the file).
 *
 * @example Usage
 * ```ts
 * import { memorySource, readMp4Index } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const result = await readMp4Index(memorySource(new TextEncoder().encode("not a movie")));
 * assert.equal(result.ok, false);
 * assert.equal(result.ok ? "" : result.reason, "not-media");
 * ```
 */
export async function readMp4Index(source: ByteSource, options: ReadMp4Options = {}): Promise<Mp4Result> {
  const { maxMoovSize = 64 * 1024 * 1024, maxSamples = 20_000_000, maxTopLevelBoxes = 100_000 } = options;
  return await readGuarded(source, async (guarded) => {
    const scan = await scanTopLevel(guarded, { maxMoovSize, maxBoxes: maxTopLevelBoxes });
    const movie = parseMovie(scan, source.size, { maxSamples });
    return { ok: true, index: movieIndex(movie), movie } as const;
  });
}
