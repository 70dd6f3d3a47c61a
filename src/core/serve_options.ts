// Internal: the checks of serveStream's numeric and enumerated options, run by serveStream on
// each call and by createStreamHandler once, so a bad option fails where it is given instead of
// on every request.

/**
 * Which requests an option applies to: `"media-elements"`, only those a browser makes for a
 * `<video>`, `<audio>` or `<track>` (by `Sec-Fetch-Dest`), or `"all"`. See
 * `ServeStreamOptions.maxChunkSizeFor` and `PacingOptions.for`.
 */
export type ChunkCapScope = "media-elements" | "all";

/** `Sec-Fetch-Dest` values of media-element requests, which browsers repeat after a short 206. */
const MEDIA_ELEMENT_DESTINATIONS: ReadonlySet<string> = new Set(["video", "audio", "track"]);

/**
 * Whether an option of `scope` applies to a request with `headers`: clients other than media
 * elements (downloaders, ffmpeg, HTTP libraries) want files whole and at full speed.
 *
 * @param scope The option's scope.
 * @param headers The request's headers.
 * @returns `true` for `"all"`, and for a media element's request under `"media-elements"`.
 *
 * @example Usage
 * ```ts
 * import { scopeApplies } from "@sage/stream/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(scopeApplies("media-elements", new Headers({ "sec-fetch-dest": "video" })), true);
 * assert.equal(scopeApplies("media-elements", new Headers()), false);
 * ```
 */
export function scopeApplies(scope: ChunkCapScope, headers: Pick<Headers, "get">): boolean {
  if (scope === "all") return true;
  const dest = headers.get("sec-fetch-dest");
  return dest !== null && MEDIA_ELEMENT_DESTINATIONS.has(dest.toLowerCase());
}

/** The options checked here, as `ServeStreamOptions` declares them. */
export interface CheckedServeOptions {
  maxChunkSize?: number;
  maxChunkSizeFor?: ChunkCapScope;
  maxRanges?: number;
  stallTimeoutMs?: number;
}

/** Throws a `RangeError` naming the first bad option, prefixed with `context`. */
export function checkServeOptions(options: CheckedServeOptions, context: string): void {
  const { maxChunkSize = 0, maxChunkSizeFor = "media-elements", maxRanges = 1, stallTimeoutMs = 0 } = options;
  if (typeof stallTimeoutMs !== "number" || !(stallTimeoutMs >= 0)) {
    throw new RangeError(`${context}: "stallTimeoutMs" must be a number >= 0, got "${stallTimeoutMs}"`);
  }
  if (typeof maxChunkSize !== "number" || !(maxChunkSize >= 0)) {
    throw new RangeError(`${context}: "maxChunkSize" must be a number >= 0, got "${maxChunkSize}"`);
  }
  if (maxChunkSizeFor !== "media-elements" && maxChunkSizeFor !== "all") {
    throw new RangeError(
      `${context}: "maxChunkSizeFor" must be "media-elements" or "all", got "${maxChunkSizeFor}"`,
    );
  }
  if (typeof maxRanges !== "number" || !(maxRanges >= 1)) {
    throw new RangeError(`${context}: "maxRanges" must be a number >= 1, got "${maxRanges}"`);
  }
}
