/**
 * Serving one file: {@linkcode serveStream} answers a request from the runtime's files, and
 * {@linkcode fileChunks} reads a file's bytes in bounded chunks.
 *
 * @module
 */

export * from "./serve_stream.ts";
export * from "./file_chunks.ts";
