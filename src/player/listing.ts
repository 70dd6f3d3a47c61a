/**
 * The media root's listing: every audio and video file the stream endpoint would serve,
 * found by walking the root within limits.
 *
 * @module
 */

import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { sep } from "node:path";
import { contentTypeOf } from "../core/content_type.ts";
import { checkRequestPath, createRootResolver, type RootResolver } from "../endpoint/safe_path.ts";

/** One playable file found under the root. */
export interface MediaFile {
  /** The path relative to the root, segments joined with `/`. */
  path: string;
  /** Its length in bytes. */
  size: number;
  /** Its media type, `video/…` or `audio/…`. */
  type: string;
}

/** Options for {@linkcode listMediaFiles}. */
export interface ListMediaOptions {
  /**
   * How many directory levels below the root are walked (`0`: the root only).
   *
   * @default {8}
   */
  maxDepth?: number;
  /**
   * Most files listed; the walk stops there and `truncated` is set.
   *
   * @default {2000}
   */
  maxFiles?: number;
  /**
   * Most directory entries looked at in all, so a huge tree cannot stall a request.
   *
   * @default {50000}
   */
  maxEntries?: number;
}

/** The result of {@linkcode listMediaFiles}. */
export interface MediaListing {
  /** The files, sorted by path. */
  files: MediaFile[];
  /** Whether a limit stopped the walk before it saw everything. */
  truncated: boolean;
}

/** Whether `type` is a media type the player plays: `video/…` or `audio/…`. */
export function isPlayable(type: string | undefined): type is string {
  return type !== undefined && (type.startsWith("video/") || type.startsWith("audio/"));
}

/**
 * Walks the root for audio and video files. Names starting with a dot are skipped, symbolic
 * links are followed only when they resolve inside the root (each directory is walked once,
 * so link loops end), and names the stream endpoint would refuse are left out.
 *
 * @param root The media root.
 * @param options Limits, see {@linkcode ListMediaOptions}.
 * @returns The files found, sorted by path.
 * @throws {Error} When the root cannot be read.
 *
 * @example Usage
 * ```ts
 * import { listMediaFiles } from "@sage/stream/player";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "media-"));
 * writeFileSync(join(root, "a.webm"), new Uint8Array(10));
 * writeFileSync(join(root, "notes.txt"), "not media");
 * const { files } = await listMediaFiles(root);
 * assert.deepEqual(files, [{ path: "a.webm", size: 10, type: "video/webm" }]);
 * ```
 */
export async function listMediaFiles(root: string, options: ListMediaOptions = {}): Promise<MediaListing> {
  const { maxDepth = 8, maxFiles = 2000, maxEntries = 50_000 } = options;
  const realRoot = await realpath(root);
  const walk: Walk = {
    files: createRootResolver(root),
    anything: createRootResolver(root, { extensions: "*" }),
    limits: { maxDepth, maxFiles, maxEntries },
    seen: new Set([realRoot]),
    found: [],
    entries: 0,
    truncated: false,
  };
  await walkDirectory(walk, realRoot, [], 0);
  walk.found.sort((a, b) => byCodeUnits(a.path, b.path));
  return { files: walk.found, truncated: walk.truncated };
}

/** One walk of the root: its rules, limits and what it has found so far. */
interface Walk {
  /** The endpoint's rules for the files it serves (its defaults). */
  files: RootResolver;
  /** The same rules for any name, to tell where a symbolic link to a directory leads. */
  anything: RootResolver;
  limits: Required<ListMediaOptions>;
  /** The real paths of the directories walked (the root's included), so link loops end. */
  seen: Set<string>;
  found: MediaFile[];
  /** Directory entries looked at. */
  entries: number;
  truncated: boolean;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Looks at the entries of `dir`, whose path below the root is `rel`, in name order. */
async function walkDirectory(walk: Walk, dir: string, rel: readonly string[], depth: number): Promise<void> {
  const { maxFiles, maxEntries } = walk.limits;
  for (const dirent of await entriesOf(dir)) {
    if (walk.found.length >= maxFiles || walk.entries >= maxEntries) {
      walk.truncated = true;
      return;
    }
    walk.entries++;
    if (dirent.name.startsWith(".")) continue; // hidden: never listed, never walked
    await visitEntry(walk, dir + sep + dirent.name, [...rel, dirent.name], dirent.isSymbolicLink(), depth);
  }
}

/** The entries of `dir` sorted by name; none when it cannot be read (it is skipped). */
async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodeUnits(a.name, b.name));
  } catch {
    return [];
  }
}

/** Lists a playable file, or walks a directory; `isLink` when the entry is a symbolic link. */
async function visitEntry(
  walk: Walk,
  full: string,
  path: string[],
  isLink: boolean,
  depth: number,
): Promise<void> {
  const info = await stat(full).catch(() => null); // follows links
  if (info === null) return; // vanished or dangling
  if (info.isDirectory()) {
    if (depth >= walk.limits.maxDepth) return;
    const real = isLink ? await linkedDirectory(walk, full, path) : full;
    if (real === null || walk.seen.has(real)) return;
    walk.seen.add(real);
    await walkDirectory(walk, real, path, depth + 1);
  } else if (info.isFile()) {
    const file = playableFile(walk, path, info.size, isLink);
    if (file !== null) walk.found.push(file);
  }
}

/**
 * The real path of a directory reached through a symbolic link, or `null` when the endpoint's
 * rules put it outside the root or under a hidden name: they refuse it only for not being a
 * file when it is inside.
 */
async function linkedDirectory(walk: Walk, full: string, path: readonly string[]): Promise<string | null> {
  const checked = checkRequestPath(path.join("/"), { extensions: "*" });
  if (!checked.ok) return null;
  const resolved = walk.anything.resolve(checked.segments);
  if (resolved.ok || resolved.reason !== "not-a-file") return null;
  return await realpath(full).catch(() => null);
}

/**
 * The file as listed, or `null` when it is not audio or video or the endpoint would refuse its
 * path; one reached through a symbolic link must also resolve as the endpoint resolves it (a
 * real path inside the root, no hidden segment, a served extension).
 */
function playableFile(walk: Walk, path: readonly string[], size: number, isLink: boolean): MediaFile | null {
  const type = contentTypeOf(path[path.length - 1]);
  if (!isPlayable(type)) return null;
  const checked = checkRequestPath(path.join("/"));
  if (!checked.ok) return null;
  if (isLink && !walk.files.resolve(checked.segments).ok) return null;
  return { path: checked.segments.join("/"), size, type };
}
