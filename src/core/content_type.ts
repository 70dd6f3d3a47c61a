/**
 * Media types of video, audio, subtitle and streaming-manifest files, by extension.
 *
 * @module
 */

/**
 * Extension (lower case, without the dot) → media type, for the files a media server serves.
 * Streaming formats use their registered types: `.ts` is an MPEG transport stream, not
 * TypeScript.
 */
export const MEDIA_TYPES: Readonly<Record<string, string>> = Object.freeze({
  // video
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/quicktime",
  qt: "video/quicktime",
  webm: "video/webm",
  mkv: "video/x-matroska",
  mk3d: "video/x-matroska",
  ogv: "video/ogg",
  avi: "video/x-msvideo",
  wmv: "video/x-ms-wmv",
  flv: "video/x-flv",
  mpg: "video/mpeg",
  mpeg: "video/mpeg",
  m2ts: "video/mp2t",
  mts: "video/mp2t",
  ts: "video/mp2t",
  "3gp": "video/3gpp",
  "3g2": "video/3gpp2",
  // streaming manifests and segments
  m3u8: "application/vnd.apple.mpegurl",
  m3u: "audio/x-mpegurl",
  mpd: "application/dash+xml",
  m4s: "video/iso.segment",
  cmfv: "video/mp4",
  cmfa: "audio/mp4",
  // audio
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  m4b: "audio/mp4",
  aac: "audio/aac",
  oga: "audio/ogg",
  ogg: "audio/ogg",
  opus: "audio/ogg",
  flac: "audio/flac",
  wav: "audio/wav",
  weba: "audio/webm",
  mka: "audio/x-matroska",
  aif: "audio/aiff",
  aiff: "audio/aiff",
  wma: "audio/x-ms-wma",
  mid: "audio/midi",
  midi: "audio/midi",
  // subtitles and captions
  vtt: "text/vtt; charset=utf-8",
  srt: "application/x-subrip",
  ass: "text/x-ssa",
  ssa: "text/x-ssa",
  ttml: "application/ttml+xml",
  dfxp: "application/ttml+xml",
  // posters and thumbnails shipped beside media
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  avif: "image/avif",
});

/** The type sent for files whose extension is not in the table. */
export const DEFAULT_MEDIA_TYPE = "application/octet-stream";

/**
 * Returns the extension of a path: the text after its last dot, lower-cased, or `""`.
 *
 * @param path A file path or name.
 * @returns The lower-case extension without the dot.
 *
 * @example Usage
 * ```ts
 * import { extensionOf } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.equal(extensionOf("/videos/Movie.MP4"), "mp4");
 * assert.equal(extensionOf("README"), "");
 * ```
 */
export function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * Looks up the media type of a path by its extension.
 *
 * @param path A file path or name.
 * @returns The media type, or `undefined` when the extension is not a known media format.
 *
 * @example Usage
 * ```ts
 * import { contentTypeOf } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.equal(contentTypeOf("clip.webm"), "video/webm");
 * assert.equal(contentTypeOf("segment.ts"), "video/mp2t");
 * assert.equal(contentTypeOf("notes.txt"), undefined);
 * ```
 */
export function contentTypeOf(path: string): string | undefined {
  const ext = extensionOf(path);
  return Object.hasOwn(MEDIA_TYPES, ext) ? MEDIA_TYPES[ext] : undefined;
}
