/**
 * Media indexes kept per file identity (device, inode, size, modification time): a file is
 * read once until it changes, and a changed file is never answered from an old index.
 *
 * @module
 */

import type { FileStat } from "../core/file_stat.ts";
import type { OpenFile } from "../runtime/types.ts";
import { openedFileSource } from "./opened_file_source.ts";
import { type MediaFileIndex, readMediaIndex } from "./read_media_index.ts";

/** Options for {@linkcode createMediaIndexCache}. */
export interface MediaIndexCacheOptions {
  /**
   * Most indexes kept; the least recently used goes first.
   *
   * @default {256}
   */
  maxEntries?: number;
  /**
   * Rough bound on the memory the kept indexes hold (an MP4's sample tables: about 16 bytes per
   * sample), in bytes.
   *
   * @default {67108864}
   */
  maxBytes?: number;
}

/** Indexes by file identity: what {@linkcode createMediaIndexCache} returns. */
export interface MediaIndexCache {
  /**
   * The index of an opened file, read through it on a miss. Concurrent calls for one file share
   * one read. A file without a device and inode (a runtime that does not report them) is read
   * every time.
   */
  indexOf(file: OpenFile): Promise<MediaFileIndex>;
  /** How many indexes are kept. */
  readonly size: number;
  /** Forgets every index. */
  clear(): void;
}

interface Entry {
  index: Promise<MediaFileIndex>;
  bytes: number;
}

/** The identity a kept index is valid for, or `null` when the runtime gives none. */
function identityOf(stat: FileStat): string | null {
  if (stat.dev === null || stat.ino === null) return null;
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtime?.getTime() ?? "none"}`;
}

/** What an index holds in memory, roughly: its MP4 sample tables dominate. */
function bytesOf(index: MediaFileIndex): number {
  const tracks = index.movie?.tracks ?? [];
  const samples = tracks.reduce((sum, track) => sum + track.samples.count, 0);
  return 1024 + samples * 16 + (index.ok ? index.index.keyFrames.length * 16 : 0);
}

/**
 * Creates a cache of media indexes.
 *
 * @param options Its bounds, see {@linkcode MediaIndexCacheOptions}.
 * @returns The cache.
 *
 * @example Usage
 * ```ts
 * import { createMediaIndexCache } from "@sage/stream/media";
 * import { runtime } from "@sage/stream/runtime";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "media-")), "notes.mp4");
 * writeFileSync(path, "not really a movie");
 * const cache = createMediaIndexCache();
 * const file = await runtime.files.open(path);
 * assert.ok(typeof file === "object");
 * try {
 *   const index = await cache.indexOf(file);
 *   assert.equal(index.ok, false);
 * } finally {
 *   file.close();
 * }
 * ```
 */
export function createMediaIndexCache(options: MediaIndexCacheOptions = {}): MediaIndexCache {
  const { maxEntries = 256, maxBytes = 64 * 1024 * 1024 } = options;
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const evict = () => {
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries && bytes <= maxBytes) break;
      entries.delete(key);
      bytes -= entry.bytes;
    }
  };
  return {
    indexOf(file: OpenFile): Promise<MediaFileIndex> {
      const key = identityOf(file.stat);
      if (key === null) return readMediaIndex(openedFileSource(file));
      const kept = entries.get(key);
      if (kept !== undefined) {
        entries.delete(key); // most recently used last
        entries.set(key, kept);
        return kept.index;
      }
      const entry: Entry = { index: readMediaIndex(openedFileSource(file)), bytes: 0 };
      entries.set(key, entry);
      entry.index.then((index) => {
        if (entries.get(key) !== entry) return;
        entry.bytes = bytesOf(index);
        bytes += entry.bytes;
        evict();
      }, () => {
        if (entries.get(key) === entry) entries.delete(key); // an I/O error is not kept
      });
      evict();
      return entry.index;
    },
    get size(): number {
      return entries.size;
    },
    clear(): void {
      entries.clear();
      bytes = 0;
    },
  };
}
