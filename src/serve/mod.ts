/**
 * Serving one file: {@linkcode serveStream} answers a request from the runtime's files, and
 * {@linkcode fileChunks} reads a file's bytes in bounded chunks.
 *
 * @module
 */

export * from "./serve_stream.ts";
export * from "./file_chunks.ts";
export * from "./composed_file.ts";
// the types serveStream's options and events name, so this entry point documents itself
export type { ByteRange } from "../core/range.ts";
export type { FileStat } from "../core/file_stat.ts";
export type { PacingOptions } from "../core/pacing.ts";
export type { ByteLayout, FileSpan } from "../core/byte_layout.ts";
export type { BodyDoneCallback, BodyOptions, FileSource, OpenFailure, OpenFile } from "../runtime/types.ts";
export type { ClipSpan } from "./media_layout.ts";
export type * from "../media/mod.ts";
export type { MediaSeconds } from "./media_time.ts";
