/**
 * The media summary of a request path under a root, resolved as the stream endpoint resolves
 * it: for the player's list and page and the admin's listings.
 *
 * @module
 */

import { mediaIndexOfPath, type MediaSummary, summarizeMedia } from "../media/describe.ts";
import type { MediaIndexCache } from "../media/index_cache.ts";
import { checkRequestPath, createRootResolver } from "./safe_path.ts";

/** Looks up what the media index says of a path below a root. */
export type MediaSummaryLookup = (path: string) => Promise<MediaSummary | null>;

/**
 * A lookup of media summaries for paths below `root` (a clip's `#t=…` suffix is ignored).
 * Paths the endpoint would refuse, and files the index does not read, give `null`.
 *
 * @param root The media root.
 * @param cache Where indexes are kept.
 * @returns The lookup.
 *
 * @example Usage
 * ```ts
 * import { createMediaSummaryLookup } from "@sage/stream/endpoint";
 * import { createMediaIndexCache } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const lookup = createMediaSummaryLookup(mkdtempSync(join(tmpdir(), "media-")), createMediaIndexCache());
 * assert.equal(await lookup("../etc/passwd"), null);
 * assert.equal(await lookup("missing.mp4"), null);
 * ```
 */
export function createMediaSummaryLookup(root: string, cache: MediaIndexCache): MediaSummaryLookup {
  const resolver = createRootResolver(root);
  return async (path: string): Promise<MediaSummary | null> => {
    const checked = checkRequestPath(path.split("#")[0]);
    const resolved = checked.ok ? resolver.resolve(checked.segments) : checked;
    if (!resolved.ok) return null;
    const index = await mediaIndexOfPath(resolved.path, cache);
    return index?.ok ? summarizeMedia(index.index) : null;
  };
}
