/**
 * Building the results of the planners: a plan from its header and pieces, or a failure.
 *
 * @module
 */

import type { Mp4BytePiece, Mp4ClipPlan, Mp4PlanFailure } from "./plan.ts";

/** A failure of `reason`. */
export function planFailure(reason: Mp4PlanFailure["reason"], message: string): Mp4PlanFailure {
  return { ok: false, reason, message };
}

/** The plan for `header` followed by `pieces`. */
export function clipPlan(
  header: Uint8Array,
  pieces: Mp4BytePiece[],
  duration: number,
  startTime: number,
): Mp4ClipPlan {
  const size = pieces.reduce((sum, piece) => sum + piece.length, header.length);
  return { ok: true, header, pieces, size, duration, startTime };
}
