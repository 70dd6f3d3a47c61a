/**
 * A {@linkcode ByteSource} over a file `serveStream`'s source already opened, so the index is
 * read from the very file that is served (no second open, no race with a replaced file).
 *
 * @module
 */

import { concatBytes } from "../core/bytes.ts";
import type { OpenFile } from "../runtime/types.ts";
import type { ByteSource } from "./types.ts";

/**
 * Reads `file` by ranges through its `read` (which leaves it open).
 *
 * @param file An opened file.
 * @returns A byte source of `file.stat.size` bytes.
 */
export function openedFileSource(file: OpenFile): ByteSource {
  const size = file.stat.size;
  return {
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.max(0, offset);
      const end = Math.min(size, start + Math.max(0, length)) - 1;
      if (end < start) return new Uint8Array(0);
      const parts: Uint8Array[] = [];
      for await (const chunk of file.read([{ start, end }], end - start + 1)) parts.push(chunk);
      return parts.length === 1 ? parts[0] : concatBytes(parts);
    },
  };
}
