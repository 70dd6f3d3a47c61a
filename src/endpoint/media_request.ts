/**
 * A clip by time as a stream request asks for it: `start=` and `end=` in seconds.
 *
 * @module
 */

import type { ClipSpan } from "../serve/media_layout.ts";

export type { ClipSpan };

/** The query parameters of a clip. */
export const CLIP_PARAMS = { start: "start", end: "end" } as const;

/** Seconds as the query carries them: digits with an optional fraction, nothing else. */
const SECONDS_REGEXP = /^\d{1,9}(\.\d{1,6})?$/;

/** The outcome of {@linkcode parseClipSpan}. */
export type ClipSpanParse = { ok: true; span: ClipSpan | null } | { ok: false; message: string };

/**
 * Reads `start` and `end` from a request's query: `null` when neither is there. Seconds are
 * plain decimals (`30`, `12.5`); anything else, a repeated parameter, or an end not after the
 * start is refused.
 *
 * @param params The request's query.
 * @returns The span, `null` without one, or why it is refused (answered with `400`).
 *
 * @example Usage
 * ```ts
 * import { parseClipSpan } from "@sage/stream/endpoint";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseClipSpan(new URLSearchParams("start=30&end=60")), { ok: true, span: { start: 30, end: 60 } });
 * assert.deepEqual(parseClipSpan(new URLSearchParams("path=a.mp4")), { ok: true, span: null });
 * assert.equal(parseClipSpan(new URLSearchParams("start=abc")).ok, false);
 * ```
 */
export function parseClipSpan(params: URLSearchParams): ClipSpanParse {
  const span: ClipSpan = {};
  for (const key of ["start", "end"] as const) {
    const values = params.getAll(CLIP_PARAMS[key]);
    if (values.length === 0) continue;
    if (values.length > 1) return { ok: false, message: `"${key}" is given more than once` };
    if (!SECONDS_REGEXP.test(values[0])) {
      return { ok: false, message: `"${key}" must be a number of seconds, such as 30 or 12.5` };
    }
    span[key] = Number(values[0]);
  }
  if (span.start === undefined && span.end === undefined) return { ok: true, span: null };
  if (span.end !== undefined && span.end <= (span.start ?? 0)) {
    return { ok: false, message: '"end" must come after "start"' };
  }
  return { ok: true, span };
}
