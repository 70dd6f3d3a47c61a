/**
 * Parsing of the `Range` request header (RFC 9110 §14.1.2, §14.2).
 *
 * @module
 */

/** An inclusive span of bytes: `start` and `end` are both offsets of bytes that are sent. */
export interface ByteRange {
  /** Offset of the first byte. */
  start: number;
  /** Offset of the last byte (inclusive). */
  end: number;
}

/**
 * What {@linkcode parseRange} found in a `Range` header.
 *
 * | result            | typical response                                    |
 * | ----------------- | --------------------------------------------------- |
 * | `null`            | ignore the header: `200` with the whole file        |
 * | `"unsatisfiable"` | `416` with `Content-Range: bytes *\/SIZE`           |
 * | one range         | `206` with `Content-Range: bytes START-END/SIZE`    |
 * | several ranges    | `206` with a `multipart/byteranges` body            |
 */
export type RangeResult = ByteRange[] | "unsatisfiable" | null;

/** Options for {@linkcode parseRange}. */
export interface ParseRangeOptions {
  /**
   * Longest span an open-ended range (`bytes=N-`) may cover: longer ones end early, so players
   * stream progressively. Closed and suffix ranges are never shortened. `0` or `Infinity`
   * disables the cap.
   *
   * @default {Infinity}
   */
  maxOpenEndedLength?: number;
  /**
   * Most range specs accepted in one header; a header with more is ignored (`null`), as nginx's
   * `max_ranges` does.
   *
   * @default {32}
   */
  maxRanges?: number;
}

// bytes-unit is case-insensitive (RFC 9110 §14.1); OWS around "=" is not allowed by the grammar.
const UNIT_REGEXP = /^bytes=/i;
const SPEC_REGEXP = /^(\d*)-(\d*)$/;

/**
 * Parses a `Range` header against a representation of `size` bytes.
 *
 * Invalid syntax, another unit or an empty representation make the header ignored (`null`,
 * RFC 9110 §14.2 lets a server ignore it). Satisfiable ranges are sorted and overlapping or
 * adjacent ones merged. A header that asks for more bytes in total than the file holds, or for
 * more than `maxRanges` ranges, is ignored, as Go's `net/http` does to blunt amplification.
 *
 * @param header The `Range` header value, or `null` when absent.
 * @param size The representation's length in bytes.
 * @param options Limits, see {@linkcode ParseRangeOptions}.
 * @returns The ranges to send, `"unsatisfiable"`, or `null` to ignore the header.
 *
 * @example Usage
 * ```ts
 * import { parseRange } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRange("bytes=0-1", 100), [{ start: 0, end: 1 }]);
 * assert.deepEqual(parseRange("bytes=-10", 100), [{ start: 90, end: 99 }]);
 * assert.equal(parseRange("bytes=200-", 100), "unsatisfiable");
 * assert.equal(parseRange("items=0-1", 100), null);
 * ```
 */
export function parseRange(
  header: string | null | undefined,
  size: number,
  options: ParseRangeOptions = {},
): RangeResult {
  const { maxOpenEndedLength = Infinity, maxRanges = 32 } = options;
  if (!header || size <= 0 || !UNIT_REGEXP.test(header)) return null;
  const cap = maxOpenEndedLength > 0 ? maxOpenEndedLength : Infinity;

  const ranges: ByteRange[] = [];
  let specs = 0;
  let requested = 0;
  for (const raw of header.slice(6).split(",")) {
    const spec = raw.trim();
    if (spec === "") continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    if (++specs > maxRanges) return null;
    const match = SPEC_REGEXP.exec(spec);
    if (!match) return null;
    const [, first, last] = match;
    let start: number;
    let end: number;
    if (first === "") {
      if (last === "") return null; // "-" alone
      // suffix-range: the last N bytes (§14.1.1); N = 0 selects nothing
      const length = Number(last);
      if (length === 0) continue;
      start = Math.max(0, size - length);
      end = size - 1;
    } else {
      start = Number(first);
      if (last === "") {
        end = Math.min(size - 1, start + cap - 1);
      } else {
        end = Number(last);
        if (end < start) return null; // invalid range-spec (§14.1.1)
        end = Math.min(end, size - 1);
      }
      if (start >= size) continue; // unsatisfiable spec
    }
    requested += end - start + 1;
    ranges.push({ start, end });
  }
  if (specs === 0) return null;
  if (ranges.length === 0) return "unsatisfiable";
  if (requested > size && ranges.length > 1) return null;
  return mergeRanges(ranges);
}

/** Sorts ranges and merges those that overlap or touch. */
function mergeRanges(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  ranges.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [{ ...ranges[0] }];
  for (let i = 1; i < ranges.length; i++) {
    const last = merged[merged.length - 1];
    const next = ranges[i];
    if (next.start <= last.end + 1) last.end = Math.max(last.end, next.end);
    else merged.push({ ...next });
  }
  return merged;
}
