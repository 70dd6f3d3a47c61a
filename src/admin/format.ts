/**
 * Figures for people, shared by the pages and the charts: positions in a video (`2:31`),
 * amounts of watch time (`0:02:31`) and shares (`66.7%`).
 *
 * @module
 */

/** What a figure that is unknown (or not a number) shows. */
export const UNKNOWN_FIGURE = "–";

function parts(seconds: number): [number, number, number] {
  const whole = Math.round(seconds);
  return [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * A position in a video: `m:ss`, or `h:mm:ss` from an hour on; `0:00` for zero and below,
 * {@linkcode UNKNOWN_FIGURE} for `null` or a value that is not finite.
 *
 * @param seconds The position.
 * @returns The text.
 */
export function formatPosition(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return UNKNOWN_FIGURE;
  const [h, m, s] = parts(Math.max(0, seconds));
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * An amount of watch time, always `h:mm:ss` (`0:02:31`) so totals line up in a column;
 * {@linkcode UNKNOWN_FIGURE} for `null` or a value that is not finite.
 *
 * @param seconds The amount.
 * @returns The text.
 */
export function formatWatchTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return UNKNOWN_FIGURE;
  const [h, m, s] = parts(Math.max(0, seconds));
  return `${h}:${pad(m)}:${pad(s)}`;
}

/**
 * A share (0 to 1) as a percentage with at most one decimal: `66.7%`; {@linkcode UNKNOWN_FIGURE}
 * for `null` or a value that is not finite.
 *
 * @param value The share.
 * @returns The text.
 */
export function formatShare(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return UNKNOWN_FIGURE;
  return `${Math.round(value * 1000) / 10}%`;
}
