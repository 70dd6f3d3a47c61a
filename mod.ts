/**
 * Stream video and audio over HTTP from `Deno.serve` and `Bun.serve`, with complete RFC 9110
 * range and conditional-request semantics.
 *
 * ```ts ignore
 * import { serveStream } from "@sage/stream";
 *
 * Deno.serve((req) => serveStream(req, { path: "./videos/movie.mp4" }));
 * ```
 *
 * @module
 */

export * from "./src/serve_stream.ts";
export * from "./src/file_chunks.ts";
export * from "./src/range.ts";
export * from "./src/conditional.ts";
export * from "./src/content_type.ts";
export * from "./src/multipart.ts";
export type { BodyDoneCallback, FileSource, FileStat, OpenFailure, OpenFile } from "./src/runtime/types.ts";
