/**
 * `fileChunks()`: part of a file, read in bounded chunks as an async iterable.
 *
 * @module
 */

import { runtime } from "../runtime/mod.ts";
import type { FileSource } from "../runtime/types.ts";

/** Options for {@linkcode fileChunks}. */
export interface FileChunksOptions {
  /**
   * Offset of the first byte to read.
   *
   * @default {0}
   */
  offset?: number;
  /**
   * How many bytes to read at most; fewer when the file ends first.
   *
   * @default {Infinity}
   */
  length?: number;
  /**
   * Largest chunk yielded, in bytes.
   *
   * @default {65536}
   */
  chunkSize?: number;
  /** Where files come from. Defaults to the current runtime's adapter. */
  source?: FileSource;
}

function checkCount(name: string, value: number, min: number): void {
  if (typeof value !== "number" || Number.isNaN(value) || value < min) {
    throw new RangeError(`Cannot read file chunks: "${name}" must be a number >= ${min}, got "${value}"`);
  }
}

/**
 * Reads part of a file chunk by chunk. The file is opened on the first iteration and closed
 * when the iteration ends, including when the consumer stops early (`break`, `return`, a
 * thrown error).
 *
 * @param path The file to read.
 * @param options Where to start, how much to read and the chunk size.
 * @returns An async iterable of chunks.
 * @throws {RangeError} When `offset`, `length` or `chunkSize` is out of range.
 * @throws {Error} During iteration, when the file cannot be opened or is not a regular file.
 *
 * @example Usage
 * ```ts
 * import { fileChunks } from "@sage/stream";
 * import assert from "node:assert/strict";
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(tmpdir(), "chunks.bin");
 * writeFileSync(path, new Uint8Array([1, 2, 3, 4, 5]));
 * const seen: number[] = [];
 * for await (const chunk of fileChunks(path, { offset: 1, length: 3, chunkSize: 2 })) {
 *   seen.push(...chunk);
 * }
 * assert.deepEqual(seen, [2, 3, 4]);
 * ```
 */
export function fileChunks(
  path: string,
  options: FileChunksOptions = {},
): AsyncIterable<Uint8Array> {
  const { offset = 0, length = Infinity, chunkSize = 64 * 1024, source = runtime.files } = options;
  if (typeof path !== "string" || path === "") {
    throw new TypeError('Cannot read file chunks: "path" must be a non-empty string');
  }
  checkCount("offset", offset, 0);
  checkCount("length", length, 0);
  checkCount("chunkSize", chunkSize, 1);
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
      const file = await source.open(path);
      if (typeof file === "string") throw new Error(`Cannot read file chunks: "${path}" is ${file}`);
      try {
        if (!file.stat.isFile) throw new Error(`Cannot read file chunks: "${path}" is not a regular file`);
        const end = Math.min(file.stat.size, offset + length) - 1;
        if (end >= offset) yield* file.read([{ start: offset, end }], Math.floor(chunkSize));
      } finally {
        file.close();
      }
    },
  };
}
