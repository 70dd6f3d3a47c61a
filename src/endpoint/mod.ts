/**
 * The ready-made endpoint `GET /stream?path=…`: request paths resolved safely under a media
 * root, a permission hook, signed expiring URLs and the client's address for the watch log.
 *
 * @module
 */

export * from "./handler.ts";
export * from "./safe_path.ts";
export * from "./signed_url.ts";
export { CLIP_PARAMS, type ClipSpan, type ClipSpanParse, parseClipSpan } from "./media_request.ts";
export * from "./media_summary.ts";
// the types the handler's options name, so this entry point documents itself
export type { ServeStreamOptions, StreamEvent } from "../serve/serve_stream.ts";
export type { ChunkCapScope } from "../core/serve_options.ts";
export type { ByteRange } from "../core/range.ts";
export type { FileStat } from "../core/file_stat.ts";
export type { BodyDoneCallback, BodyOptions, FileSource, OpenFailure, OpenFile } from "../runtime/types.ts";
export type { PacingOptions } from "../core/pacing.ts";
export type { ByteLayout, FileSpan } from "../core/byte_layout.ts";
// the media layer's types the options name (the cache, its indexes, their MP4 model)
export type * from "../media/mod.ts";
