/**
 * The media layer: what is inside MP4 (ISO BMFF) and Matroska/WebM files, read by ranges
 * without reading the media data: duration, tracks, RFC 6381 codec strings, key frames, and
 * whether the index comes first. For MP4, clips by time and "fast start" are planned as a new
 * index followed by spans of the file, which `serveStream` serves without copying the media.
 *
 * @module
 */

export * from "./types.ts";
export * from "./file_source.ts";
export * from "./opened_file_source.ts";
export * from "./read_media_index.ts";
export * from "./index_cache.ts";
export * from "./mp4/mod.ts";
export * from "./webm/mod.ts";
export * from "./describe.ts";
export * from "./streamability.ts";
export * from "./time_map.ts";
// the types the readers and the cache name, so this entry point documents itself
export type { FileSource, OpenFile } from "../runtime/types.ts";
export type { BodyDoneCallback, BodyOptions, OpenFailure } from "../runtime/types.ts";
export type { FileStat } from "../core/file_stat.ts";
export type { ByteRange } from "../core/range.ts";
