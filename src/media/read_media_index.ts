/**
 * One entry point for every container: reads the first bytes, picks the reader (ISO BMFF or
 * Matroska/WebM) by what the file is, not by its name, and returns its index.
 *
 * @module
 */

import { readMp4Index } from "./mp4/mod.ts";
import type { Mp4Movie } from "./mp4/mod.ts";
import { readMatroskaIndex } from "./webm/mod.ts";
import type { ByteSource, MediaIndexResult } from "./types.ts";

/** The index of a media file, with the MP4 model that clips and fast start are planned from. */
export type MediaFileIndex = MediaIndexResult & { movie?: Mp4Movie };

/** Top-level ISO BMFF box types a file may start with (ISO/IEC 14496-12 and common practice). */
const ISO_BMFF_FIRST_BOXES: ReadonlySet<string> = new Set([
  "ftyp",
  "styp",
  "moov",
  "mdat",
  "free",
  "skip",
  "wide",
  "pdin",
  "uuid",
]);
const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];

/** Which reader understands bytes starting with `head`, or `null`. */
function containerOf(head: Uint8Array): "mp4" | "matroska" | null {
  if (head.length >= 4 && EBML_MAGIC.every((byte, i) => head[i] === byte)) return "matroska";
  if (head.length >= 8) {
    const type = String.fromCharCode(head[4], head[5], head[6], head[7]);
    if (ISO_BMFF_FIRST_BOXES.has(type)) return "mp4";
  }
  return null;
}

/**
 * Reads the index of an MP4 (MP4, M4V, M4A, MOV, 3GP) or Matroska/WebM file through `source`,
 * reading only the boxes or elements the index needs. A file of another kind is
 * `{ ok: false, reason: "not-media" }`; a broken or hostile one `"malformed"` or `"too-large"`,
 * never an exception.
 *
 * @param source The file's bytes.
 * @returns The index (with the MP4 model for MP4 files), or why it was not read.
 * @throws What `source.read` throws: an I/O error is not a property of the file.
 *
 * @example Usage
 * ```ts
 * import { memorySource, readMediaIndex } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const result = await readMediaIndex(memorySource(new TextEncoder().encode("plain text")));
 * assert.equal(result.ok, false);
 * ```
 */
export async function readMediaIndex(source: ByteSource): Promise<MediaFileIndex> {
  const container = containerOf(await source.read(0, 12));
  if (container === "mp4") {
    const result = await readMp4Index(source);
    return result.ok ? { ok: true, index: result.index, movie: result.movie } : result;
  }
  if (container === "matroska") return await readMatroskaIndex(source);
  return { ok: false, reason: "not-media", message: "Not an MP4 or Matroska/WebM file" };
}
