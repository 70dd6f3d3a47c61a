/**
 * The player page: lists the audio and video files under the media root (searchable, with
 * sizes) and plays the chosen one in a `<video>` or `<audio>` element pointed at the stream
 * endpoint, signed when a signing secret is set. Server-rendered links (`/?play=PATH`), no
 * script, a strict Content-Security-Policy.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { contentTypeOf } from "../core/content_type.ts";
import { type Handler, requestUrl, textResponse } from "../core/http.ts";
import { checkRequestPath, createRootResolver, type RootResolver } from "../endpoint/safe_path.ts";
import { type SigningSecret, signStreamUrl } from "../endpoint/signed_url.ts";
import { htmlResponse, SECURITY_HEADERS } from "../html/html.ts";
import { stylesheetResponse } from "../html/style.ts";
import { isPlayable, listMediaFiles, type ListMediaOptions, type MediaListing } from "./listing.ts";
import { PLAYER_STYLESHEET_PATH, playerPage, type PlayerView, type Stage } from "./page.ts";
import type { MediaSummary } from "../media/describe.ts";
import { createMediaSummaryLookup } from "../endpoint/media_summary.ts";
import { createMediaIndexCache, type MediaIndexCache } from "../media/index_cache.ts";

export { PLAYER_STYLESHEET_PATH };

/** Options for {@linkcode createPlayerHandler}. */
export interface PlayerHandlerOptions extends ListMediaOptions {
  /** The media root, the same as the stream handler's. */
  root: string;
  /**
   * The page's URL path. The page also answers `BASEPATH?play=PATH`, and its stylesheet is
   * at `/player/style.css`.
   *
   * @default {"/"}
   */
  basePath?: string;
  /**
   * The stream endpoint the player points at.
   *
   * @default {"/stream"}
   */
  streamPath?: string;
  /**
   * The stream endpoint's query parameter.
   *
   * @default {"path"}
   */
  param?: string;
  /**
   * The stream handler's signing secret: when set, the player's URLs are signed with
   * `signStreamUrl`, valid for `signedUrlTtl` seconds.
   */
  signingSecret?: SigningSecret;
  /**
   * How long signed URLs stay valid, in seconds: longer than the longest file takes to watch.
   *
   * @default {21600}
   */
  signedUrlTtl?: number;
  /**
   * The page's title.
   *
   * @default {"sage-stream"}
   */
  title?: string;
  /**
   * Files listed per page (`?page=N` turns the pages).
   *
   * @default {100}
   */
  pageSize?: number;
  /**
   * How long a walk of the root is reused, in milliseconds: requests in that time share one
   * listing, and a change of the root directory's modification time ends it sooner. `0` walks
   * on every request.
   *
   * @default {5000}
   */
  listingTtlMs?: number;
  /**
   * Where media indexes are kept (durations in the list, picture size and codecs of the file
   * playing); pass the stream handler's to share one. One per handler by default.
   */
  mediaIndex?: MediaIndexCache;
}

/** The handler {@linkcode createPlayerHandler} returns (a {@linkcode Handler}). */
export type PlayerHandler = Handler;
export type { Handler };

/** The longest search text kept, in characters. */
const MAX_SEARCH = 200;
const READ_METHODS: readonly string[] = ["GET", "HEAD"];

/** One player, set up: what its pages are made from. */
interface Player {
  basePath: string;
  title: string;
  pageSize: number;
  /** The root's listing, shared by the requests of `listingTtlMs`. */
  listing: () => Promise<MediaListing>;
  /** Resolves `?play=` paths as the stream endpoint does. */
  resolver: RootResolver;
  /** The stream URL of a path below the root, signed when a secret is set. */
  sourceOf: (path: string) => Promise<string>;
  /** What the media index says of a path below the root, or `null`. */
  mediaOf: (path: string) => Promise<MediaSummary | null>;
}

/** Index reads at once when a page lists files whose index is not kept yet. */
const INDEX_READS_AT_ONCE = 8;

/** The summaries of `paths` that the media index understands, read a few at a time. */
async function summariesOf(player: Player, paths: readonly string[]): Promise<Map<string, MediaSummary>> {
  const found = new Map<string, MediaSummary>();
  for (let i = 0; i < paths.length; i += INDEX_READS_AT_ONCE) {
    const batch = paths.slice(i, i + INDEX_READS_AT_ONCE);
    const summaries = await Promise.all(batch.map((path) => player.mediaOf(path)));
    summaries.forEach((summary, j) => summary !== null && found.set(batch[j], summary));
  }
  return found;
}

/**
 * Creates the player page: `GET BASEPATH` lists the playable files under `root` (`?q=TEXT`
 * narrows the list to paths containing it, ignoring case), and `?play=PATH` plays one.
 * A path that is not a playable file under the root gets `404` with the list.
 *
 * @param options The root and the stream endpoint, see {@linkcode PlayerHandlerOptions}.
 * @returns The handler.
 * @throws {TypeError} When `root` is not a non-empty string or a path does not start with `/`.
 *
 * @example Usage
 * ```ts
 * import { createPlayerHandler } from "@sage/stream/player";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "media-"));
 * writeFileSync(join(root, "talk.webm"), new Uint8Array(10));
 * const player = createPlayerHandler({ root });
 * const res = await player(new Request("http://localhost/?play=talk.webm"));
 * assert.match(await res.text(), /<video [^>]*src="\/stream\?path=talk\.webm"/);
 * ```
 */
export function createPlayerHandler(options: PlayerHandlerOptions): PlayerHandler {
  const {
    root,
    basePath = "/",
    streamPath = "/stream",
    param = "path",
    signingSecret,
    signedUrlTtl = 21_600,
    title = "sage-stream",
    pageSize = 100,
    listingTtlMs = 5000,
    mediaIndex = createMediaIndexCache(),
    ...limits
  } = options ?? {} as PlayerHandlerOptions;
  checkPlayerOptions(root, basePath, streamPath, signedUrlTtl, pageSize, listingTtlMs);
  const player: Player = {
    basePath,
    title,
    pageSize,
    listing: cachedListing(root, listingTtlMs, limits),
    resolver: createRootResolver(root),
    sourceOf: (path) => streamSource(path, streamPath, param, signingSecret, signedUrlTtl),
    mediaOf: createMediaSummaryLookup(root, mediaIndex),
  };

  return async function playerHandler(req: Request): Promise<Response> {
    const url = requestUrl(req);
    if (url.pathname !== PLAYER_STYLESHEET_PATH && url.pathname !== basePath) {
      return textResponse(req, 404, "Not Found", SECURITY_HEADERS);
    }
    if (!READ_METHODS.includes(req.method)) {
      return textResponse(req, 405, "Method Not Allowed", {
        ...SECURITY_HEADERS,
        allow: READ_METHODS.join(", "),
      });
    }
    if (url.pathname === PLAYER_STYLESHEET_PATH) return stylesheetResponse(req);
    return await pageResponse(player, req, url.searchParams);
  };
}

function checkPlayerOptions(
  root: string,
  basePath: string,
  streamPath: string,
  signedUrlTtl: number,
  pageSize: number,
  listingTtlMs: number,
): void {
  if (typeof root !== "string" || root === "") {
    throw new TypeError('Cannot create player handler: "root" must be a non-empty string');
  }
  for (const [name, value] of [["basePath", basePath], ["streamPath", streamPath]]) {
    if (typeof value !== "string" || !value.startsWith("/")) {
      throw new TypeError(`Cannot create player handler: "${name}" must start with "/", got "${value}"`);
    }
  }
  if (!(signedUrlTtl > 0)) {
    throw new RangeError('Cannot create player handler: "signedUrlTtl" must be a positive number of seconds');
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    throw new RangeError('Cannot create player handler: "pageSize" must be a whole number from 1 to 10000');
  }
  if (!(listingTtlMs >= 0)) {
    throw new RangeError('Cannot create player handler: "listingTtlMs" must be a number >= 0');
  }
}

/**
 * The root's listing, walked at most once per `ttlMs` and again at once when the root
 * directory's modification time changes: a walk reads every directory of the library, so the
 * requests of a short window share one. A walk that fails is not kept.
 */
function cachedListing(root: string, ttlMs: number, limits: ListMediaOptions): () => Promise<MediaListing> {
  let cached: { at: number; rootMtime: number; listing: Promise<MediaListing> } | null = null;
  return async function listing(): Promise<MediaListing> {
    const now = Date.now();
    const rootMtime = await stat(root).then((info) => info.mtimeMs, () => NaN);
    if (cached && now - cached.at < ttlMs && cached.rootMtime === rootMtime) return cached.listing;
    const fresh = listMediaFiles(root, limits);
    cached = { at: now, rootMtime, listing: fresh };
    fresh.catch(() => cached = null);
    return fresh;
  };
}

/** The stream endpoint's URL for `path`: signed for `ttl` seconds when there is a secret. */
async function streamSource(
  path: string,
  streamPath: string,
  param: string,
  secret: SigningSecret | undefined,
  ttl: number,
): Promise<string> {
  if (secret === undefined) return `${streamPath}?${new URLSearchParams({ [param]: path })}`;
  return await signStreamUrl(path, { secret, expiresIn: ttl, basePath: streamPath, param });
}

/**
 * The page: the files matching `?q=`, the page `?page=` of them (out-of-range and junk values
 * land on a real page), and the stage for `?play=`; `404` when that is not a playable file.
 */
async function pageResponse(player: Player, req: Request, params: URLSearchParams): Promise<Response> {
  const { basePath, title, pageSize } = player;
  const q = (params.get("q") ?? "").trim().slice(0, MAX_SEARCH);
  const play = params.get("play");
  const { files, truncated } = await player.listing();
  const needle = q.toLowerCase();
  const matching = needle ? files.filter((file) => file.path.toLowerCase().includes(needle)) : files;
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const asked = Number(params.get("page") ?? "1");
  const pageNumber = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), pages) : 1;
  const shown = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const [stage, media] = await Promise.all([
    play === null ? { kind: "choose", empty: files.length === 0 } as const : playStage(player, play),
    summariesOf(player, shown.map((file) => file.path)),
  ]);
  const view: PlayerView = {
    basePath,
    title,
    q,
    play,
    total: files.length,
    matching: matching.length,
    shown,
    pageNumber,
    pages,
    truncated,
    stage,
    media,
  };
  return htmlResponse(req, playerPage(view), stage.kind === "not-found" ? 404 : 200, {}, [
    "media-src 'self'",
  ]);
}

/** The stage for `?play=PATH`: the file playing, or "not found" unless it is audio or video the endpoint serves. */
async function playStage(player: Player, play: string): Promise<Stage> {
  const checked = checkRequestPath(play);
  const resolved = checked.ok ? player.resolver.resolve(checked.segments) : checked;
  const type = resolved.ok ? contentTypeOf(resolved.relative) : undefined;
  if (!resolved.ok || !isPlayable(type)) return { kind: "not-found", path: play };
  const [src, media] = await Promise.all([
    player.sourceOf(resolved.relative),
    player.mediaOf(resolved.relative),
  ]);
  return { kind: "playing", path: resolved.relative, type, src, media };
}
