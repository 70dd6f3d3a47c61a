/**
 * The ready-made endpoint `GET /stream?path=…`: request paths resolved safely under a media
 * root, a permission hook, signed expiring URLs and the client's address for the watch log.
 *
 * @module
 */

export * from "./handler.ts";
export * from "./safe_path.ts";
export * from "./signed_url.ts";
// the types the handler's options name, so this entry point documents itself
export type { ServeStreamOptions, StreamEvent } from "../serve/serve_stream.ts";
export type { ChunkCapScope } from "../core/serve_options.ts";
export type { ByteRange } from "../core/range.ts";
export type { FileStat } from "../core/file_stat.ts";
export type { BodyDoneCallback, BodyOptions, FileSource, OpenFailure, OpenFile } from "../runtime/types.ts";
