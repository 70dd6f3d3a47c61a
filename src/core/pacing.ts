/**
 * Pacing a response body, like nginx's `limit_rate` and `limit_rate_after`, with rates and
 * bursts that may be relative to the media's own bitrate ("1.5 × the bitrate after the first
 * 10 s"), so a viewer who stops watching has not pulled the whole film at line speed. Pure:
 * the plan, and how long to wait before the next bytes.
 *
 * @module
 */

import type { ChunkCapScope } from "./serve_options.ts";

/** How to pace response bodies. Off unless given. */
export interface PacingOptions {
  /**
   * The rate once the burst is sent: bytes per second, or a multiple of the media's bitrate
   * (`{ bitrate: 1.5 }`). A relative rate needs the bitrate (from the media index); a file
   * without one is not paced.
   */
  rate: number | { bitrate: number };
  /**
   * What each response sends at full speed first: bytes, or seconds of media at its bitrate
   * (`{ seconds: 10 }`), as nginx's `limit_rate_after`.
   *
   * @default {0}
   */
  after?: number | { seconds: number };
  /**
   * Which requests are paced: `"media-elements"` (a browser's `<video>`/`<audio>`, by
   * `Sec-Fetch-Dest`: downloaders and other clients get full speed) or `"all"`.
   *
   * @default {"all"}
   */
  for?: ChunkCapScope;
}

/** A resolved pace: absolute figures for one response. */
export interface Pace {
  /** Bytes per second after the burst. */
  bytesPerSecond: number;
  /** Bytes sent at full speed first. */
  burstBytes: number;
}

/**
 * Throws a `RangeError` naming the first bad field of `options`, prefixed with `context`.
 *
 * @param options The pacing options to check.
 * @param context The start of the message, e.g. `Cannot serve stream`.
 * @throws {RangeError} When a rate is not a positive number, or `after` is negative.
 *
 * @example Usage
 * ```ts
 * import { checkPacingOptions } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => checkPacingOptions({ rate: 0 }, "Cannot serve stream"), RangeError);
 * checkPacingOptions({ rate: { bitrate: 1.5 }, after: { seconds: 10 } }, "Cannot serve stream");
 * ```
 */
export function checkPacingOptions(options: PacingOptions, context: string): void {
  const { rate, after = 0 } = options;
  const rateValue = typeof rate === "number" ? rate : rate?.bitrate;
  if (typeof rateValue !== "number" || !(rateValue > 0) || !Number.isFinite(rateValue)) {
    throw new RangeError(`${context}: "pacing.rate" must be a positive number or { bitrate: n > 0 }`);
  }
  const afterValue = typeof after === "number" ? after : after?.seconds;
  if (typeof afterValue !== "number" || !(afterValue >= 0) || !Number.isFinite(afterValue)) {
    throw new RangeError(`${context}: "pacing.after" must be a number >= 0 or { seconds: n >= 0 }`);
  }
  if (options.for !== undefined && options.for !== "all" && options.for !== "media-elements") {
    throw new RangeError(`${context}: "pacing.for" must be "media-elements" or "all", got "${options.for}"`);
  }
}

/**
 * Whether `options` needs the media's bitrate (a rate or a burst relative to it).
 *
 * @param options How to pace.
 * @returns `true` when a figure is relative.
 *
 * @example Usage
 * ```ts
 * import { pacingIsRelative } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pacingIsRelative({ rate: 500_000 }), false);
 * assert.equal(pacingIsRelative({ rate: 500_000, after: { seconds: 10 } }), true);
 * ```
 */
export function pacingIsRelative(options: PacingOptions): boolean {
  return typeof options.rate !== "number" ||
    (options.after !== undefined && typeof options.after !== "number");
}

/**
 * Resolves `options` for a file whose media bitrate is `bitrate` (bits per second, `null` when
 * unknown).
 *
 * @param options How to pace.
 * @param bitrate The media's average bitrate in bits per second, or `null`.
 * @returns The pace, or `null` when the response is not paced (a relative figure without a bitrate).
 *
 * @example Usage
 * ```ts
 * import { resolvePacing } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * // a 2 Mbit/s film: 1.5 × its bitrate after 10 s of media
 * assert.deepEqual(resolvePacing({ rate: { bitrate: 1.5 }, after: { seconds: 10 } }, 2_000_000), {
 *   bytesPerSecond: 375_000,
 *   burstBytes: 2_500_000,
 * });
 * assert.equal(resolvePacing({ rate: { bitrate: 1.5 } }, null), null);
 * ```
 */
export function resolvePacing(options: PacingOptions, bitrate: number | null): Pace | null {
  const { rate, after = 0 } = options;
  const bytesPerBit = bitrate !== null && bitrate > 0 ? bitrate / 8 : null;
  const bytesPerSecond = typeof rate === "number"
    ? rate
    : bytesPerBit === null
    ? null
    : rate.bitrate * bytesPerBit;
  const burstBytes = typeof after === "number"
    ? after
    : bytesPerBit === null
    ? null
    : after.seconds * bytesPerBit;
  if (bytesPerSecond === null || burstBytes === null) return null;
  return { bytesPerSecond, burstBytes: Math.floor(burstBytes) };
}

/**
 * How long to wait before the bytes up to `sentBytes` may go out, `elapsedMs` after the
 * response started: `0` within the burst or when the body is behind its pace.
 *
 * @param pace The pace.
 * @param sentBytes Bytes sent once the next chunk is sent.
 * @param elapsedMs Milliseconds since the body started.
 * @returns Milliseconds to wait.
 *
 * @example Usage
 * ```ts
 * import { paceDelayMs } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * const pace = { bytesPerSecond: 1000, burstBytes: 500 };
 * assert.equal(paceDelayMs(pace, 500, 0), 0);
 * assert.equal(paceDelayMs(pace, 1500, 0), 1000);
 * assert.equal(paceDelayMs(pace, 1500, 400), 600);
 * ```
 */
export function paceDelayMs(pace: Pace, sentBytes: number, elapsedMs: number): number {
  const paced = sentBytes - pace.burstBytes;
  if (paced <= 0) return 0;
  return Math.max(0, (paced / pace.bytesPerSecond) * 1000 - elapsedMs);
}
