/**
 * Resolving a client-supplied path under a media root, refusing everything that could escape
 * it: `..`, absolute paths, backslashes, control characters, symbolic links that lead out,
 * dotfiles, directories and non-media files.
 *
 * @module
 */

import { realpathSync, statSync } from "node:fs";
import { sep } from "node:path";
import { extensionOf, MEDIA_TYPES } from "../core/content_type.ts";
import { runtime } from "../runtime/mod.ts";

/** The longest request path accepted, in UTF-16 code units (Linux's `PATH_MAX` is 4096 bytes). */
export const DEFAULT_MAX_PATH_LENGTH: number = 1024;

/** Options for {@linkcode checkRequestPath}, {@linkcode resolveUnderRoot} and {@linkcode createRootResolver}. */
export interface SafePathOptions {
  /**
   * Serve files and directories whose names start with a dot (`.env`, `.git/…`). Off, they are
   * answered as not found, whether named in the request or reached through a symbolic link.
   *
   * @default {false}
   */
  allowDotfiles?: boolean;
  /**
   * The file extensions served (`"mp4"` or `".mp4"`, any case), or `"*"` for any file. The
   * default is every extension of the media-type table (`MEDIA_TYPES`): video, audio,
   * subtitles, streaming manifests and posters.
   *
   * @default {Object.keys(MEDIA_TYPES)}
   */
  extensions?: readonly string[] | "*";
  /**
   * The longest request path accepted, in characters; longer ones are refused as bad requests.
   *
   * @default {1024}
   */
  maxPathLength?: number;
}

/** Why a request path was refused, and the status it is answered with. */
export type PathRefusal =
  | {
    ok: false;
    status: 400;
    reason:
      | "empty"
      | "too-long"
      | "control-character"
      | "backslash"
      | "absolute"
      | "dot-segment"
      | "empty-segment";
  }
  | { ok: false; status: 404; reason: "hidden" | "extension" | "not-found" | "outside-root" | "not-a-file" };

/**
 * The outcome of {@linkcode checkRequestPath}: the path's segments, or a refusal.
 *
 * | result | typical response |
 * | --- | --- |
 * | `{ ok: true, segments }` | go on and resolve it on disk |
 * | `{ ok: false, status: 400 }` | `400 Bad Request`: no file could ever have that name |
 * | `{ ok: false, status: 404 }` | `404 Not Found`: hidden, or not a served extension |
 */
export type RequestPathCheck = { ok: true; segments: string[] } | PathRefusal;

/**
 * The outcome of {@linkcode resolveUnderRoot}: the real path of a regular file inside the
 * root with its identity, or a refusal.
 */
export type ResolvedPath =
  | {
    ok: true;
    /** The file's real path: absolute, with every symbolic link resolved. */
    path: string;
    /** The request path, normalised: segments joined with `/`. */
    relative: string;
    /** The file's device number, as `stat` reported it when it was checked. */
    dev: number;
    /** The file's inode number, as `stat` reported it when it was checked. */
    ino: number;
  }
  | PathRefusal;

// C0 controls, DEL and C1 controls: never part of a media file name, and NUL truncates paths.
// deno-lint-ignore no-control-regex
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]/;
// "C:" or "C:\": a Windows drive, absolute on that platform.
const DRIVE_REGEXP = /^[A-Za-z]:/;

const DEFAULT_EXTENSIONS: ReadonlySet<string> = new Set(Object.keys(MEDIA_TYPES));
const DEFAULT_EXTENSION_LIST: readonly string[] = Object.freeze([...DEFAULT_EXTENSIONS]);
const NOT_FOUND_REASONS: ReadonlySet<string> = new Set([
  "hidden",
  "extension",
  "not-found",
  "outside-root",
  "not-a-file",
]);

function refuse(reason: PathRefusal["reason"]): PathRefusal {
  return { ok: false, status: NOT_FOUND_REASONS.has(reason) ? 404 : 400, reason } as PathRefusal;
}

function extensionAllowed(path: string, extensions: readonly string[] | "*"): boolean {
  if (extensions === "*") return true;
  const ext = extensionOf(path);
  if (ext === "") return false;
  if (extensions === DEFAULT_EXTENSION_LIST) return DEFAULT_EXTENSIONS.has(ext);
  return extensions.some((allowed) => allowed.replace(/^\./, "").toLowerCase() === ext);
}

/**
 * Checks a request path without touching the disk. The path is taken literally, as the query
 * string carried it after one decoding: `%2e%2e` stays a file name made of `%`, `2`, `e`, and is
 * never decoded a second time.
 *
 * Refused with `400`: an empty path, one longer than `maxPathLength`, control characters (NUL
 * included), backslashes, absolute paths (`/…`, `C:…`), and `.`, `..` or empty segments.
 * Refused with `404`: a segment starting with a dot (unless `allowDotfiles`), or an extension
 * that is not served.
 *
 * @param path The path the client sent, relative to the media root.
 * @param options What to allow, see {@linkcode SafePathOptions}.
 * @returns The path's segments, or why it is refused.
 *
 * @example Usage
 * ```ts
 * import { checkRequestPath } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(checkRequestPath("shows/pilot.mp4"), { ok: true, segments: ["shows", "pilot.mp4"] });
 * assert.equal(checkRequestPath("../etc/passwd").ok, false);
 * assert.equal(checkRequestPath(".env").ok, false);
 * ```
 */
export function checkRequestPath(path: string, options: SafePathOptions = {}): RequestPathCheck {
  const {
    allowDotfiles = false,
    extensions = DEFAULT_EXTENSION_LIST,
    maxPathLength = DEFAULT_MAX_PATH_LENGTH,
  } = options;
  if (path === "") return refuse("empty");
  if (path.length > maxPathLength) return refuse("too-long");
  if (CONTROL_REGEXP.test(path)) return refuse("control-character");
  if (path.includes("\\")) return refuse("backslash");
  if (path.startsWith("/") || DRIVE_REGEXP.test(path)) return refuse("absolute");
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "") return refuse("empty-segment");
    if (segment === "." || segment === "..") return refuse("dot-segment");
  }
  if (!allowDotfiles && segments.some((segment) => segment.startsWith("."))) return refuse("hidden");
  if (!extensionAllowed(path, extensions)) return refuse("extension");
  return { ok: true, segments };
}

/** A file-system error (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES …): all are "not found". */
function isFsError(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === "string";
}

/** `realpathSync(path)`, or `null` when the file system says there is no such path. */
function realPathOf(path: string): string | null {
  try {
    return realpathSync(path);
  } catch (error) {
    if (isFsError(error)) return null;
    throw error;
  }
}

/**
 * Resolves request paths under one media root: the object {@linkcode createRootResolver}
 * returns.
 */
export interface RootResolver {
  /**
   * Resolves the segments of a path that {@linkcode checkRequestPath} accepted, with the same
   * results as {@linkcode resolveUnderRoot} but without checking the path a second time.
   */
  resolve(segments: readonly string[]): ResolvedPath;
}

/**
 * Creates a resolver for one media root, for a server that resolves many requests under the
 * same root: the root's real path is resolved once and kept, and resolved again when a path
 * is not found under it or lands outside it (the root, or a symbolic link to it, may have
 * moved). Every other check is made on each call, as {@linkcode resolveUnderRoot} makes it.
 *
 * Synchronous on purpose, like the runtime adapters' file calls: on a local file system these
 * calls take microseconds, while each asynchronous one is a trip through a thread pool.
 *
 * @param root The media root directory.
 * @param options What to allow, see {@linkcode SafePathOptions}.
 * @returns The resolver.
 *
 * @example Usage
 * ```ts
 * import { checkRequestPath, createRootResolver } from "@sage/stream";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "media-"));
 * writeFileSync(join(root, "movie.mp4"), "…");
 * const resolver = createRootResolver(root);
 * const checked = checkRequestPath("movie.mp4");
 * assert.equal(checked.ok && resolver.resolve(checked.segments).ok, true);
 * ```
 */
export function createRootResolver(root: string, options: SafePathOptions = {}): RootResolver {
  let realRoot: string | null = null;
  return {
    resolve(segments: readonly string[]): ResolvedPath {
      const known = realRoot;
      realRoot ??= realPathOf(root);
      if (realRoot === null) return refuse("not-found");
      const resolved = resolveBelow(realRoot, segments, options);
      if (resolved.ok || known === null || !ROOT_MAY_HAVE_MOVED.has(resolved.reason)) return resolved;
      // the root was resolved on an earlier call: resolve it again and retry once if it moved
      realRoot = realPathOf(root);
      if (realRoot === null) return refuse("not-found");
      return realRoot === known ? resolved : resolveBelow(realRoot, segments, options);
    },
  };
}

/** Refusals after which a root resolved on an earlier call is resolved again. */
const ROOT_MAY_HAVE_MOVED: ReadonlySet<string> = new Set(["not-found", "outside-root"]);

/** The file named by `segments` under the real root `realRoot`, or why it is refused. */
function resolveBelow(realRoot: string, segments: readonly string[], options: SafePathOptions): ResolvedPath {
  return plainFileBelow(realRoot, segments, options) ?? linkedFileBelow(realRoot, segments, options);
}

/**
 * The common case in one system call: a name directly in the real root that is no symbolic
 * link is its own real path, and `lstat` gives its type and identity. `null` for anything
 * else (a folder in the path, a link, a missing file), which the full resolution answers.
 */
function plainFileBelow(
  realRoot: string,
  segments: readonly string[],
  options: SafePathOptions,
): ResolvedPath | null {
  if (segments.length !== 1) return null;
  const [name] = segments;
  if (!(options.allowDotfiles ?? false) && name.startsWith(".")) return null;
  if (!extensionAllowed(name, options.extensions ?? DEFAULT_EXTENSION_LIST)) return null;
  const path = (realRoot.endsWith(sep) ? realRoot : realRoot + sep) + name;
  const info = runtime.linkStat(path);
  if (info === null || !info.isFile || info.dev === null || info.ino === null) return null;
  return { ok: true, path, relative: name, dev: info.dev, ino: info.ino };
}

/** Any path: every symbolic link resolved, then checked against the root and the rules. */
function linkedFileBelow(
  realRoot: string,
  segments: readonly string[],
  options: SafePathOptions,
): ResolvedPath {
  const { allowDotfiles = false, extensions = DEFAULT_EXTENSION_LIST } = options;
  const real = realPathOf(realRoot + sep + segments.join(sep));
  if (real === null) return refuse("not-found");
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  if (!real.startsWith(prefix)) return refuse("outside-root");
  const below = real.slice(prefix.length).split(sep);
  if (!allowDotfiles && below.some((segment) => segment.startsWith("."))) return refuse("hidden");
  if (!extensionAllowed(real, extensions)) return refuse("extension");

  let info;
  try {
    info = statSync(real);
  } catch (error) {
    if (isFsError(error)) return refuse("not-found");
    throw error;
  }
  if (!info.isFile()) return refuse("not-a-file");
  return { ok: true, path: real, relative: segments.join("/"), dev: info.dev, ino: info.ino };
}

/**
 * Resolves a request path to a regular file inside `root`, following symbolic links and
 * refusing the file when its real path lies outside the root's real path, when a segment of
 * the real path below the root is hidden, or when its real extension is not served.
 *
 * The result carries the file's `dev` and `ino`: open `path`, compare them with the opened
 * file's, and refuse on a mismatch, so a file swapped between this check and the open is not
 * served (`createStreamHandler` does this through `serveStream`'s `verifyFile` hook). To
 * resolve many paths under one root, {@linkcode createRootResolver} resolves the root once.
 *
 * @param root The media root directory.
 * @param path The path the client sent, relative to `root`.
 * @param options What to allow, see {@linkcode SafePathOptions}.
 * @returns The file's real path and identity, or why it is refused.
 *
 * @example Usage
 * ```ts
 * import { resolveUnderRoot } from "@sage/stream";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "media-"));
 * writeFileSync(join(root, "movie.mp4"), "…");
 * const found = await resolveUnderRoot(root, "movie.mp4");
 * assert.equal(found.ok, true);
 * const escaped = await resolveUnderRoot(root, "../movie.mp4");
 * assert.deepEqual(escaped, { ok: false, status: 400, reason: "dot-segment" });
 * ```
 */
// deno-lint-ignore require-await
export async function resolveUnderRoot(
  root: string,
  path: string,
  options: SafePathOptions = {},
): Promise<ResolvedPath> {
  const checked = checkRequestPath(path, options);
  if (!checked.ok) return checked;
  return createRootResolver(root, options).resolve(checked.segments);
}
