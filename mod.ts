/**
 * Stream video and audio over HTTP from `Deno.serve` and `Bun.serve`, with complete RFC 9110
 * range and conditional-request semantics.
 *
 * - {@linkcode serveStream} answers a request for one file: `200`, `206` (single and
 *   multipart), `304`, `412`, `416`, `HEAD`.
 * - {@linkcode createStreamHandler} is the ready-made `GET /stream?path=…` endpoint: safe paths
 *   under a media root, a permission hook, signed expiring URLs ({@linkcode signStreamUrl}).
 * - The watch log (`@sage/stream/watch-log`), the admin pages (`@sage/stream/admin`) and the
 *   command-line server (`@sage/stream/cli`) are separate entry points, so this one needs no
 *   npm packages.
 *
 * ```ts ignore
 * import { createStreamHandler, serveStream } from "@sage/stream";
 *
 * // one file
 * Deno.serve((req) => serveStream(req, { path: "./videos/movie.mp4" }));
 * // or a whole media directory at /stream?path=…
 * Bun.serve({ fetch: createStreamHandler({ root: "./videos" }) });
 * ```
 *
 * @module
 */

export * from "./src/core/mod.ts";
export * from "./src/serve/mod.ts";
export * from "./src/endpoint/mod.ts";
export type {
  BodyDoneCallback,
  BodyOptions,
  FileSource,
  FileStat,
  OpenFailure,
  OpenFile,
} from "./src/runtime/types.ts";
