// Internal: the checks of serveStream's numeric and enumerated options, run by serveStream on
// each call and by createStreamHandler once, so a bad option fails where it is given instead of
// on every request.

/** Which requests `maxChunkSize` shortens; see `ServeStreamOptions.maxChunkSizeFor`. */
export type ChunkCapScope = "media-elements" | "all";

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
