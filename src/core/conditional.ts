/**
 * Validators (`ETag`, `Last-Modified`) and the evaluation of conditional requests
 * (RFC 9110 §8.8, §13).
 *
 * @module
 */

import type { FileStat } from "./file_stat.ts";

/**
 * What a validator is computed from: a file's size and modification time.
 *
 * @deprecated Use `Pick<FileStat, "size" | "mtime">`, which {@linkcode fileETag} takes.
 */
export type FileInfo = Pick<FileStat, "size" | "mtime">;

/**
 * The outcome of {@linkcode evaluatePreconditions}.
 *
 * | result           | response                                               |
 * | ---------------- | ------------------------------------------------------ |
 * | `"proceed"`      | serve as usual (Range applies)                         |
 * | `"ignore-range"` | serve as usual but ignore Range (`If-Range` failed)    |
 * | `304`            | `304 Not Modified`, validators kept, no body           |
 * | `412`            | `412 Precondition Failed`                              |
 */
export type PreconditionResult = "proceed" | "ignore-range" | 304 | 412;

/**
 * Computes a strong entity tag from a file's size and modification time, the way nginx does,
 * plus the representation's `variant` when there is one (a clip of the file has its own tag).
 * Any object with those fields will do, so callers can pass their own data.
 *
 * @param info The file's size and modification time.
 * @returns A quoted strong entity tag such as `"1a2b-5f3c2e1d"`.
 *
 * @example Usage
 * ```ts
 * import { fileETag } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fileETag({ size: 255, mtime: new Date(1000) }), '"ff-3e8"');
 * assert.equal(fileETag({ size: 255, mtime: new Date(1000), variant: "clip-30-60" }), '"ff-3e8-clip-30-60"');
 * ```
 */
export function fileETag(info: Pick<FileStat, "size" | "mtime" | "variant">): string {
  const time = info.mtime ? info.mtime.getTime().toString(16) : "0";
  const variant = info.variant ? `-${info.variant.replace(/[^0-9A-Za-z._-]/g, "_")}` : "";
  return `"${info.size.toString(16)}-${time}${variant}"`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// IMF-fixdate, obsolete RFC 850 and asctime formats (RFC 9110 §5.6.7).
const IMF_FIXDATE_REGEXP =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE_REGEXP =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE_REGEXP =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parses an HTTP-date in any of the three formats RFC 9110 §5.6.7 requires recipients to
 * accept. Anything else, including dates `Date.parse` would guess at, is `null`.
 *
 * @param value The header value.
 * @returns Milliseconds since the epoch, or `null` when the value is not an HTTP-date.
 *
 * @example Usage
 * ```ts
 * import { parseHttpDate } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
 * assert.equal(parseHttpDate("yesterday"), null);
 * ```
 */
export function parseHttpDate(value: string | null): number | null {
  if (!value) return null;
  const text = value.trim();
  let day: string, month: string, year: number, hh: string, mm: string, ss: string;
  let m = IMF_FIXDATE_REGEXP.exec(text);
  if (m) {
    [, day, month, , hh, mm, ss] = m;
    year = Number(m[3]);
  } else if ((m = RFC850_DATE_REGEXP.exec(text))) {
    [, day, month, , hh, mm, ss] = m;
    // two-digit years more than 50 years in the future are in the past century (§5.6.7)
    const yy = Number(m[3]);
    const now = new Date().getUTCFullYear();
    year = 2000 + yy > now + 50 ? 1900 + yy : 2000 + yy;
  } else if ((m = ASCTIME_DATE_REGEXP.exec(text))) {
    [, month, day, hh, mm, ss] = m;
    year = Number(m[6]);
  } else {
    return null;
  }
  const monthIndex = MONTHS.indexOf(month);
  const d = Number(day), h = Number(hh), mi = Number(mm), s = Number(ss);
  if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const time = Date.UTC(year, monthIndex, d, h, mi, Math.min(s, 59));
  // reject impossible days such as 31 Feb, which Date.UTC would roll over
  return new Date(time).getUTCDate() === d ? time : null;
}

/** Parses an entity-tag list; `null` for syntax errors, `"*"` for the wildcard. */
function parseETagList(value: string): string[] | "*" | null {
  const text = value.trim();
  if (text === "*") return "*";
  const tags: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === ",") {
      i++;
      continue;
    }
    let weak = false;
    if (c === "W" && text[i + 1] === "/") {
      weak = true;
      i += 2;
    }
    if (text[i] !== '"') return null;
    const close = text.indexOf('"', i + 1);
    if (close < 0) return null;
    tags.push((weak ? "W/" : "") + text.slice(i, close + 1));
    i = close + 1;
    // after a tag comes optional whitespace then a comma or the end
    while (text[i] === " " || text[i] === "\t") i++;
    if (i < text.length && text[i] !== ",") return null;
  }
  return tags;
}

/** Strong comparison (RFC 9110 §8.8.3.2): both strong and identical. */
function strongMatch(a: string, b: string): boolean {
  return !a.startsWith("W/") && a === b;
}

/** Weak comparison: identical opaque-tags, either or both may be weak. */
function weakMatch(a: string, b: string): boolean {
  return a.replace(/^W\//, "") === b.replace(/^W\//, "");
}

/** The validators of a representation, as sent in `ETag` and `Last-Modified`. */
export interface Validators {
  /** The entity tag, quoted, or `null` when none is sent. */
  etag: string | null;
  /** Last modification time, or `null` when unknown or not sent. */
  lastModified: Date | null;
}

/**
 * Evaluates the conditional headers of a GET or HEAD request in the order of RFC 9110 §13.2.2:
 * `If-Match`, then `If-Unmodified-Since`, then `If-None-Match`, then `If-Modified-Since`, then
 * `If-Range` (only when a `Range` header is present).
 *
 * @param headers The request headers.
 * @param validators The current representation's validators.
 * @returns What to answer, see {@linkcode PreconditionResult}.
 *
 * @example Usage
 * ```ts
 * import { evaluatePreconditions } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * const validators = { etag: '"abc"', lastModified: new Date(0) };
 * const headers = new Headers({ "if-none-match": '"abc"' });
 * assert.equal(evaluatePreconditions(headers, validators), 304);
 * ```
 */
export function evaluatePreconditions(
  headers: Headers,
  validators: Validators,
): PreconditionResult {
  const { etag, lastModified } = validators;
  // HTTP dates have one-second resolution
  const modified = lastModified ? Math.floor(lastModified.getTime() / 1000) * 1000 : null;

  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    const tags = parseETagList(ifMatch);
    const ok = tags === "*" || (etag !== null && tags !== null && tags.some((t) => strongMatch(t, etag)));
    if (!ok) return 412;
  } else {
    const since = parseHttpDate(headers.get("if-unmodified-since"));
    if (since !== null && modified !== null && modified > since) return 412;
  }

  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const tags = parseETagList(ifNoneMatch);
    if (tags === "*" || (etag !== null && tags !== null && tags.some((t) => weakMatch(t, etag)))) {
      return 304;
    }
  } else {
    const since = parseHttpDate(headers.get("if-modified-since"));
    if (since !== null && modified !== null && modified <= since) return 304;
  }

  const ifRange = headers.get("if-range");
  if (ifRange !== null && headers.has("range")) {
    const value = ifRange.trim();
    if (value.startsWith('"') || value.startsWith("W/")) {
      if (etag === null || !strongMatch(value, etag)) return "ignore-range";
    } else {
      // a date only validates when it equals Last-Modified exactly (§13.1.5)
      const date = parseHttpDate(value);
      if (date === null || modified === null || date !== modified) return "ignore-range";
    }
  }
  return "proceed";
}
