/**
 * A representation made of bytes in memory followed by spans of a file: what a rewritten MP4
 * index (a clip, a file served as if its index came first) is, with the media bytes left where
 * they are. Pure: which parts of the layout a byte range covers.
 *
 * @module
 */

import type { ByteRange } from "./range.ts";

/** A span of the underlying file: `length` bytes from `offset`. */
export interface FileSpan {
  /** Byte offset in the file. */
  offset: number;
  /** Bytes. */
  length: number;
}

/**
 * Bytes made of `header` (in memory) followed by `pieces` of a file, in order. `size` is
 * `header.length` plus the pieces' lengths; `variant` names the representation (part of its
 * `ETag`, so two layouts of one file never share one).
 */
export interface ByteLayout {
  /** The bytes that come first. */
  header: Uint8Array;
  /** The file's spans that follow, in order. */
  pieces: readonly FileSpan[];
  /** The layout's length in bytes. */
  size: number;
  /** A short token naming the representation, e.g. `clip-30-60`. */
  variant: string;
}

/** A part of a byte range of a layout: header bytes, or a range of the file. */
export type LayoutPart = { kind: "bytes"; bytes: Uint8Array } | { kind: "file"; range: ByteRange };

/**
 * The parts of `layout` that `range` covers, in order: a slice of the header, then the file's
 * ranges. Empty pieces are skipped; a range past the layout's end is cut at its end.
 *
 * @param layout The layout.
 * @param range A range of the layout's bytes (as `serveStream` planned it).
 * @returns The parts, whose lengths add up to the range's (within the layout).
 *
 * @example Usage
 * ```ts
 * import { layoutParts } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * const layout = { header: new Uint8Array(10), pieces: [{ offset: 500, length: 100 }], size: 110, variant: "x" };
 * assert.deepEqual(layoutParts(layout, { start: 8, end: 14 }), [
 *   { kind: "bytes", bytes: new Uint8Array(2) },
 *   { kind: "file", range: { start: 500, end: 504 } },
 * ]);
 * ```
 */
export function layoutParts(layout: ByteLayout, range: ByteRange): LayoutPart[] {
  const parts: LayoutPart[] = [];
  const end = Math.min(range.end, layout.size - 1);
  const headerLength = layout.header.length;
  if (range.start < headerLength) {
    parts.push({
      kind: "bytes",
      bytes: layout.header.subarray(range.start, Math.min(end + 1, headerLength)),
    });
  }
  let at = headerLength; // where the current piece starts in the layout
  for (const piece of layout.pieces) {
    const first = Math.max(range.start, at);
    const last = Math.min(end, at + piece.length - 1);
    if (first <= last) {
      parts.push({
        kind: "file",
        range: { start: piece.offset + first - at, end: piece.offset + last - at },
      });
    }
    at += piece.length;
    if (at > end) break;
  }
  return parts;
}

/**
 * Checks that `layout` is consistent: its size is the header's plus its pieces', and every piece
 * lies inside a file of `fileSize` bytes.
 *
 * @param layout The layout.
 * @param fileSize The underlying file's size.
 * @returns Whether it is consistent.
 *
 * @example Usage
 * ```ts
 * import { layoutFits } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * const layout = { header: new Uint8Array(4), pieces: [{ offset: 0, length: 6 }], size: 10, variant: "v" };
 * assert.equal(layoutFits(layout, 6), true);
 * assert.equal(layoutFits(layout, 5), false);
 * ```
 */
export function layoutFits(layout: ByteLayout, fileSize: number): boolean {
  let size = layout.header.length;
  for (const { offset, length } of layout.pieces) {
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length))) return false;
    if (offset < 0 || length < 0 || offset + length > fileSize) return false;
    size += length;
  }
  return size === layout.size;
}
