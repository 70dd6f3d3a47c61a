/**
 * What people see of a media file: its duration, picture size and codecs, from its index, for
 * the player's list and page, the admin and the JSON API.
 *
 * @module
 */

import { runtime } from "../runtime/mod.ts";
import type { FileSource } from "../runtime/types.ts";
import type { MediaIndexCache } from "./index_cache.ts";
import type { MediaFileIndex } from "./read_media_index.ts";
import type { MediaIndex } from "./types.ts";

/** A media file at a glance. */
export interface MediaSummary {
  /** Seconds, `0` when unknown. */
  duration: number;
  /** The first video track's width in pixels, `null` without video. */
  width: number | null;
  /** The first video track's height in pixels, `null` without video. */
  height: number | null;
  /** The tracks' codecs (RFC 6381), in track order, without repeats. */
  codecs: string[];
  /** The media type with codecs, for `<source type>`. */
  mimeType: string;
  /** Whether a player can start from the first bytes (MP4: `moov` before `mdat`). */
  fastStart: boolean;
  /** Average bits per second, `0` when unknown. */
  bitrate: number;
}

/**
 * The summary of an index.
 *
 * @param index A media index.
 * @returns Its duration, picture size, codecs and media type.
 *
 * @example Usage
 * ```ts
 * import { summarizeMedia } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const summary = summarizeMedia({
 *   container: "mp4", duration: 62.5, bitrate: 1e6, fastStart: true, keyFrames: [],
 *   mimeType: 'video/mp4; codecs="avc1.64001f, mp4a.40.2"',
 *   tracks: [
 *     { id: 1, kind: "video", codec: "avc1.64001f", duration: 62.5, width: 1280, height: 720 },
 *     { id: 2, kind: "audio", codec: "mp4a.40.2", duration: 62.5, sampleRate: 48000 },
 *   ],
 * });
 * assert.deepEqual([summary.width, summary.height, summary.codecs], [1280, 720, ["avc1.64001f", "mp4a.40.2"]]);
 * ```
 */
export function summarizeMedia(index: MediaIndex): MediaSummary {
  const video = index.tracks.find((track) => track.kind === "video");
  const codecs = [...new Set(index.tracks.map((track) => track.codec).filter((codec) => codec !== ""))];
  return {
    duration: index.duration,
    width: video?.width ?? null,
    height: video?.height ?? null,
    codecs,
    mimeType: index.mimeType,
    fastStart: index.fastStart,
    bitrate: index.bitrate,
  };
}

/**
 * `1:02:03` or `2:03`: a duration as players show it.
 *
 * @param seconds The duration.
 * @returns The text, `""` for an unknown (zero, negative or not finite) duration.
 *
 * @example Usage
 * ```ts
 * import { formatDuration } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatDuration(123.4), "2:03");
 * assert.equal(formatDuration(3723), "1:02:03");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!(seconds > 0) || !Number.isFinite(seconds)) return "";
  const whole = Math.round(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * The index of the file at `path` (opened, read through `cache`, closed), or `null` when it
 * cannot be opened or is not a regular file.
 *
 * @param path The file.
 * @param cache Where indexes are kept.
 * @param source Where files are opened.
 * @returns The index or the reason it was not read; `null` for a file that cannot be opened.
 */
export async function mediaIndexOfPath(
  path: string,
  cache: MediaIndexCache,
  source: FileSource = runtime.files,
): Promise<MediaFileIndex | null> {
  const file = await source.open(path);
  if (typeof file === "string") return null;
  try {
    return file.stat.isFile ? await cache.indexOf(file) : null;
  } catch {
    return null; // an I/O error: nothing to show
  } finally {
    file.close();
  }
}
