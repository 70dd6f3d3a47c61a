/**
 * The watch log: every served response recorded to libSQL, grouped into viewings, written off
 * the response path, plus the queries admin pages use.
 *
 * @module
 */

export * from "./types.ts";
export * from "./logger.ts";
export * from "./queries.ts";
export * from "./schema.ts";
export * from "./viewings.ts";
export type { StreamEvent } from "../serve/serve_stream.ts";
export type { ByteRange } from "../core/range.ts";
export type { MediaSeconds } from "../serve/media_time.ts";
