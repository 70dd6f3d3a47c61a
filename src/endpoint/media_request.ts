/**
 * The media side of a stream request: a clip by time (`start=`, `end=` in seconds), an MP4
 * served as if its index came first (`fastStart`), and the bitrate a relative pacing follows.
 * Parsing is pure; planning reads the file's index through the media index cache.
 *
 * @module
 */

import type { ByteLayout } from "../core/byte_layout.ts";
import { layoutFits } from "../core/byte_layout.ts";
import type { MediaIndexCache } from "../media/index_cache.ts";
import { planMp4Clip, planMp4FastStart } from "../media/mp4/mod.ts";
import type { OpenFile } from "../runtime/types.ts";

/** A clip's span in seconds; either end may be open. */
export interface ClipSpan {
  /** Seconds from the start; the clip starts at the key frame at or before it. */
  start?: number;
  /** Seconds from the start where the clip ends. */
  end?: number;
}

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

/** The outcome of {@linkcode planMediaLayout}. */
export type MediaPlan =
  | {
    ok: true;
    /** The bytes to serve instead of the file's, or `null` for the file as it is. */
    layout: ByteLayout | null;
    /** The media's average bitrate in bits per second, `null` when unknown. */
    bitrate: number | null;
  }
  | { ok: false; status: 400 | 416; message: string };

/** What a request asks of the media layer. */
export interface MediaWish {
  /** A clip, or `null`. */
  clip: ClipSpan | null;
  /** Serve an MP4 whose index is at its end as if it came first. */
  fastStart: boolean;
}

/**
 * Plans what to serve for `wish` from an opened file: a clip's layout, a fast-start layout, or
 * the file as it is; and its bitrate. Refuses a clip of a file that is not an MP4 this module
 * reads (`400`) and a span past its end (`416`).
 *
 * @param file The opened file.
 * @param wish What the request asks.
 * @param cache Where indexes are kept.
 * @returns The plan, or the refusal.
 */
export async function planMediaLayout(
  file: OpenFile,
  wish: MediaWish,
  cache: MediaIndexCache,
): Promise<MediaPlan> {
  const index = await cache.indexOf(file);
  const bitrate = index.ok && index.index.bitrate > 0 ? index.index.bitrate : null;
  if (wish.clip !== null) {
    if (!index.ok || index.movie === undefined) {
      const why = index.ok ? "it is not an MP4 file" : index.message;
      return {
        ok: false,
        status: 400,
        message: `Clips by time need an MP4 file this server can read: ${why}`,
      };
    }
    const plan = planMp4Clip(index.movie, wish.clip);
    if (!plan.ok) {
      return { ok: false, status: plan.reason === "out-of-range" ? 416 : 400, message: plan.message };
    }
    const variant = `clip-${wish.clip.start ?? 0}-${wish.clip.end ?? "end"}`;
    return checked({ header: plan.header, pieces: plan.pieces, size: plan.size, variant }, file, bitrate);
  }
  if (wish.fastStart && index.ok && index.movie !== undefined) {
    const plan = planMp4FastStart(index.movie);
    if (plan !== null && plan.ok) {
      return checked(
        { header: plan.header, pieces: plan.pieces, size: plan.size, variant: "faststart" },
        file,
        bitrate,
      );
    }
  }
  return { ok: true, layout: null, bitrate };
}

/** The layout, after checking it lies inside the file (a planner's mistake is never served). */
function checked(layout: ByteLayout, file: OpenFile, bitrate: number | null): MediaPlan {
  if (!layoutFits(layout, file.stat.size)) {
    throw new Error("Cannot serve media: a planned layout does not fit its file");
  }
  return { ok: true, layout, bitrate };
}
