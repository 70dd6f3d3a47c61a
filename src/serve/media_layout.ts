/**
 * The media side of serving a file: a clip by time, an MP4 served as if its index came first,
 * and the bitrate a relative pacing follows, planned from the file's media index (kept per file
 * identity) as a layout `serveStream` serves like a file.
 *
 * @module
 */

import type { ByteLayout } from "../core/byte_layout.ts";
import { layoutFits } from "../core/byte_layout.ts";
import type { MediaIndexCache } from "../media/index_cache.ts";
import type { MediaFileIndex } from "../media/read_media_index.ts";
import { planMp4Clip, planMp4FastStart } from "../media/mp4/mod.ts";
import type { OpenFile } from "../runtime/types.ts";

/** A clip's span in seconds; either end may be open. */
export interface ClipSpan {
  /** Seconds from the start; the clip starts at the key frame at or before it. */
  start?: number;
  /** Seconds from the start where the clip ends. */
  end?: number;
}

/** The outcome of {@linkcode planMediaLayout}. */
export type MediaPlan =
  | {
    ok: true;
    /** The bytes to serve instead of the file's, or `null` for the file as it is. */
    layout: ByteLayout | null;
    /** The media's average bitrate in bits per second, `null` when unknown. */
    bitrate: number | null;
    /** The file's media index the plan was made from (set by {@linkcode planMediaLayout}). */
    index?: MediaFileIndex;
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
  const variant = wish.clip !== null ? clipVariant(wish.clip) : wish.fastStart ? "faststart" : null;
  if (variant === null) return { ok: true, layout: null, bitrate, index };
  // a player's range requests of one clip ask for the same layout again and again
  const kept = plansOf(index);
  let plan = kept.get(variant);
  if (plan === undefined) {
    plan = wish.clip !== null
      ? clipPlan(index, wish.clip, variant, file, bitrate)
      : fastStartPlan(index, file, bitrate);
    if (kept.size >= PLANS_PER_INDEX) kept.delete(kept.keys().next().value!);
    kept.set(variant, plan);
  }
  return plan.ok ? { ...plan, index } : plan;
}

/** Layouts planned per index (dropped with it when the index cache lets it go). */
const plans = new WeakMap<MediaFileIndex, Map<string, MediaPlan>>();
/** Most layouts kept per file: a clip's header is a few KB, a fast start's the whole moov. */
const PLANS_PER_INDEX = 16;

function plansOf(index: MediaFileIndex): Map<string, MediaPlan> {
  let kept = plans.get(index);
  if (kept === undefined) plans.set(index, kept = new Map());
  return kept;
}

/** The token naming a clip in its ETag: `clip-30-60`, `clip-0-end`. */
function clipVariant(span: ClipSpan): string {
  return `clip-${span.start ?? 0}-${span.end ?? "end"}`;
}

function clipPlan(
  index: MediaFileIndex,
  span: ClipSpan,
  variant: string,
  file: OpenFile,
  bitrate: number | null,
): MediaPlan {
  if (!index.ok || index.movie === undefined) {
    const why = index.ok ? "it is not an MP4 file" : index.message;
    return { ok: false, status: 400, message: `Clips by time need an MP4 file this server can read: ${why}` };
  }
  const plan = planMp4Clip(index.movie, span);
  if (!plan.ok) {
    return { ok: false, status: plan.reason === "out-of-range" ? 416 : 400, message: plan.message };
  }
  return checked({ header: plan.header, pieces: plan.pieces, size: plan.size, variant }, file, bitrate);
}

/** A fast-start layout, or the file as it is when it needs none (or cannot have one). */
function fastStartPlan(index: MediaFileIndex, file: OpenFile, bitrate: number | null): MediaPlan {
  const plan = index.ok && index.movie !== undefined ? planMp4FastStart(index.movie) : null;
  if (plan === null || !plan.ok) return { ok: true, layout: null, bitrate };
  return checked(
    { header: plan.header, pieces: plan.pieces, size: plan.size, variant: "faststart" },
    file,
    bitrate,
  );
}

/** The layout, after checking it lies inside the file (a planner's mistake is never served). */
function checked(layout: ByteLayout, file: OpenFile, bitrate: number | null): MediaPlan {
  if (!layoutFits(layout, file.stat.size)) {
    throw new Error("Cannot serve media: a planned layout does not fit its file");
  }
  return { ok: true, layout, bitrate };
}
