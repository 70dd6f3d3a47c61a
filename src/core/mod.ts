/**
 * The pure HTTP semantics of serving a file: byte ranges (RFC 9110 §14), preconditions
 * (§13), `multipart/byteranges` and media types. No I/O and no runtime: everything here
 * can be tested with plain values.
 *
 * @module
 */

export * from "./range.ts";
export * from "./conditional.ts";
export * from "./multipart.ts";
export * from "./content_type.ts";
export * from "./file_stat.ts";
export * from "./byte_layout.ts";
export * from "./pacing.ts";
export * from "./served_intervals.ts";
export { type ChunkCapScope, scopeApplies } from "./serve_options.ts";
