/**
 * A {@linkcode ByteSource} over a file on disk, read with positioned reads through `node:fs`
 * (both runtimes ship it). Reading an index is a handful of reads, done once per file identity.
 *
 * @module
 */

import { open } from "node:fs/promises";
import type { ByteSource } from "./types.ts";

/** A byte source over an opened file; close it when done. */
export interface FileByteSource extends ByteSource {
  /** Closes the file. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens `path` for positioned reads.
 *
 * @param path The file.
 * @returns The source; `close()` it when done.
 *
 * @example Usage
 * ```ts
 * import { openFileSource } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "media-")), "a.bin");
 * writeFileSync(path, "abcdef");
 * const source = await openFileSource(path);
 * try {
 *   assert.equal(new TextDecoder().decode(await source.read(2, 3)), "cde");
 * } finally {
 *   await source.close();
 * }
 * ```
 */
export async function openFileSource(path: string): Promise<FileByteSource> {
  const handle = await open(path, "r");
  let closed = false;
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        const wanted = Math.max(0, Math.min(length, size - offset));
        const buffer = new Uint8Array(wanted);
        let got = 0;
        while (got < wanted) {
          const { bytesRead } = await handle.read(buffer, got, wanted - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got === wanted ? buffer : buffer.subarray(0, got);
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * A byte source over bytes in memory, for tests and for indexes already fetched.
 *
 * @param bytes The whole file.
 * @returns The source.
 *
 * @example Usage
 * ```ts
 * import { memorySource } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const source = memorySource(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await source.read(1, 5), new Uint8Array([2, 3]));
 * ```
 */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.min(Math.max(0, offset), bytes.length);
      return Promise.resolve(bytes.subarray(start, Math.min(bytes.length, start + Math.max(0, length))));
    },
  };
}
