/**
 * `multipart/byteranges` bodies (RFC 9110 §14.6), composed from file slices without buffering
 * the ranges.
 *
 * @module
 */

import type { ByteRange } from "./range.ts";

/** The framing of a multipart/byteranges body, computed before any byte is read. */
export interface MultipartLayout {
  /** The value of the `Content-Type` response header, boundary included. */
  contentType: string;
  /** Total body length in bytes: part headers, data and the closing delimiter. */
  length: number;
  /** Each part's header block (with the delimiter before it) and the range it carries. */
  parts: { head: Uint8Array; range: ByteRange }[];
  /** The closing delimiter. */
  tail: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * Makes a boundary that cannot occur by chance in the data: 96 random bits, in hex.
 *
 * @returns 24 lower-case hex digits.
 *
 * @example Usage
 * ```ts
 * import { randomBoundary } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.match(randomBoundary(), /^[0-9a-f]{24}$/);
 * ```
 */
export function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Lays out a multipart/byteranges body for `ranges` of a representation of `size` bytes whose
 * own type is `partType`.
 *
 * @param ranges The ranges, sorted and non-overlapping.
 * @param size The representation's length.
 * @param partType The media type of each part.
 * @param boundary The boundary; random by default.
 * @returns The layout, with the exact body length for `Content-Length`.
 *
 * @example Usage
 * ```ts
 * import { layoutMultipart } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * const layout = layoutMultipart([{ start: 0, end: 0 }, { start: 5, end: 6 }], 10, "video/mp4", "B");
 * assert.equal(layout.contentType, "multipart/byteranges; boundary=B");
 * assert.equal(layout.parts.length, 2);
 * ```
 */
export function layoutMultipart(
  ranges: readonly ByteRange[],
  size: number,
  partType: string,
  boundary: string = randomBoundary(),
): MultipartLayout {
  let length = 0;
  const parts = ranges.map((range, i) => {
    const head = encoder.encode(
      `${i === 0 ? "" : "\r\n"}--${boundary}\r\nContent-Type: ${partType}\r\n` +
        `Content-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
    );
    length += head.byteLength + range.end - range.start + 1;
    return { head, range };
  });
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  length += tail.byteLength;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, length, parts, tail };
}

/**
 * Yields the bytes of a multipart body: each part's head, then its data from `read`, then the
 * closing delimiter. Nothing is buffered: each range is read when its turn comes.
 *
 * @param layout The body's framing, from {@linkcode layoutMultipart}.
 * @param read Reads one range of the representation.
 * @returns The body's chunks, `layout.length` bytes in all.
 *
 * @example Usage
 * ```ts
 * import { layoutMultipart, multipartChunks } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * const data = new TextEncoder().encode("0123456789");
 * const layout = layoutMultipart([{ start: 0, end: 1 }, { start: 8, end: 9 }], 10, "text/plain", "B");
 * let length = 0;
 * for await (const chunk of multipartChunks(layout, async function* (range) {
 *   yield data.subarray(range.start, range.end + 1);
 * })) {
 *   length += chunk.byteLength;
 * }
 * assert.equal(length, layout.length);
 * ```
 */
export async function* multipartChunks(
  layout: MultipartLayout,
  read: (range: ByteRange) => AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (const { head, range } of layout.parts) {
    yield head;
    yield* read(range);
  }
  yield layout.tail;
}
