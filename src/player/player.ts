/**
 * The player page: lists the audio and video files under the media root (searchable, with
 * sizes) and plays the chosen one in a `<video>` or `<audio>` element pointed at the stream
 * endpoint, signed when a signing secret is set. Server-rendered links (`/?play=PATH`), no
 * script, a strict Content-Security-Policy.
 *
 * @module
 */

import { readdir, realpath, stat } from "node:fs/promises";
import { sep } from "node:path";
import { type Handler, textResponse } from "../core/http.ts";
import { formatBytes, html, htmlResponse, type SafeHtml, securityHeaders } from "../html/html.ts";
import { STYLESHEET } from "../html/style.ts";
import { contentTypeOf } from "../core/content_type.ts";
import { checkRequestPath, resolveUnderRoot } from "../endpoint/safe_path.ts";
import { type SigningSecret, signStreamUrl } from "../endpoint/signed_url.ts";

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

function isPlayable(type: string | undefined): type is string {
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
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  const seen = new Set<string>([realRoot]);
  const files: MediaFile[] = [];
  let entries = 0;
  let truncated = false;

  async function walk(dir: string, rel: string[], depth: number): Promise<void> {
    let dirents;
    try {
      dirents = (await readdir(dir, { withFileTypes: true }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return; // unreadable directories are skipped
    }
    for (const dirent of dirents) {
      const name = dirent.name;
      if (files.length >= maxFiles || entries >= maxEntries) {
        truncated = true;
        return;
      }
      entries++;
      if (name.startsWith(".")) continue;
      const full = dir + sep + name;
      let real = full;
      let info;
      try {
        if (dirent.isSymbolicLink()) {
          real = await realpath(full);
          if (!real.startsWith(prefix)) continue; // leads out of the root
          if (real.slice(prefix.length).split(sep).some((s) => s.startsWith("."))) continue;
        }
        info = await stat(real);
      } catch {
        continue; // vanished or dangling
      }
      const path = [...rel, name];
      if (info.isDirectory()) {
        if (depth >= maxDepth || seen.has(real)) continue;
        seen.add(real);
        await walk(real, path, depth + 1);
      } else if (info.isFile()) {
        const joined = path.join("/");
        const type = contentTypeOf(name);
        if (!isPlayable(type) || !checkRequestPath(joined).ok) continue;
        files.push({ path: joined, size: info.size, type });
      }
    }
  }
  await walk(realRoot, [], 0);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, truncated };
}

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
}

/** The handler {@linkcode createPlayerHandler} returns (a {@linkcode Handler}). */
export type PlayerHandler = Handler;
export type { Handler };

/** Where the player's stylesheet is served. */
export const PLAYER_STYLESHEET_PATH = "/player/style.css";

function plain(req: Request, status: number, body: string, headers: HeadersInit = {}): Response {
  const h = securityHeaders();
  for (const [k, v] of new Headers(headers)) h.set(k, v);
  return textResponse(req, status, body, h);
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
    ...limits
  } = options ?? {} as PlayerHandlerOptions;
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

  // one walk shared by the requests of a short window: a big library takes seconds to walk
  let cached: { at: number; rootMtime: number; listing: Promise<MediaListing> } | null = null;
  async function listing(): Promise<MediaListing> {
    const now = Date.now();
    const rootMtime = await stat(root).then((info) => info.mtimeMs, () => NaN);
    if (cached && now - cached.at < listingTtlMs && cached.rootMtime === rootMtime) return cached.listing;
    const fresh = listMediaFiles(root, limits);
    cached = { at: now, rootMtime, listing: fresh };
    fresh.catch(() => cached = null); // a failed walk is not kept
    return fresh;
  }

  async function sourceOf(path: string): Promise<string> {
    if (signingSecret !== undefined) {
      return await signStreamUrl(path, {
        secret: signingSecret,
        expiresIn: signedUrlTtl,
        basePath: streamPath,
        param,
      });
    }
    return `${streamPath}?${new URLSearchParams({ [param]: path })}`;
  }

  function page(body: SafeHtml, heading: string): SafeHtml {
    return html`
      <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>${heading}</title>
          <link rel="stylesheet" href="${PLAYER_STYLESHEET_PATH}">
        </head>
        <body>
          <header><a class="brand" href="${basePath}">${title}</a></header>
          <main>${body}</main>
        </body>
      </html>
    `;
  }

  return async function playerHandler(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === PLAYER_STYLESHEET_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return plain(req, 405, "Method Not Allowed", { allow: "GET, HEAD" });
      }
      return new Response(req.method === "HEAD" ? null : STYLESHEET, {
        headers: {
          "content-type": "text/css; charset=utf-8",
          "cache-control": "public, max-age=3600",
          "x-content-type-options": "nosniff",
        },
      });
    }
    if (url.pathname !== basePath) return plain(req, 404, "Not Found");
    if (req.method !== "GET" && req.method !== "HEAD") {
      return plain(req, 405, "Method Not Allowed", { allow: "GET, HEAD" });
    }

    const q = (url.searchParams.get("q") ?? "").trim().slice(0, 200);
    const play = url.searchParams.get("play");
    const { files, truncated } = await listing();
    const needle = q.toLowerCase();
    const matching = needle ? files.filter((f) => f.path.toLowerCase().includes(needle)) : files;
    const pages = Math.max(1, Math.ceil(matching.length / pageSize));
    const pageParam = Number(url.searchParams.get("page") ?? "1");
    const pageNumber = Number.isInteger(pageParam) ? Math.min(Math.max(pageParam, 1), pages) : 1;
    const shown = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    const pageHref = (n: number) => {
      const params = new URLSearchParams();
      if (q) params.set("q", q);
      if (play !== null) params.set("play", play);
      if (n > 1) params.set("page", String(n));
      return `${basePath}?${params}`;
    };

    let stage: SafeHtml;
    let status = 200;
    let heading = title;
    if (play === null) {
      stage = html`
        <div class="stage">
          <p>${files.length ? "Choose a file to play." : "No audio or video files under the root."}</p>
        </div>
      `;
    } else {
      const resolved = await resolveUnderRoot(root, play);
      const type = resolved.ok ? contentTypeOf(resolved.relative) : undefined;
      if (!resolved.ok || !isPlayable(type)) {
        status = 404;
        stage = html`
          <div class="stage">
            <p>Not found: ${play}</p>
          </div>
        `;
      } else {
        const src = await sourceOf(resolved.relative);
        const tag = type.startsWith("audio/")
          ? html`<audio id="player" controls autoplay preload="metadata" src="${src}"></audio>`
          : html`<video id="player" controls autoplay playsinline preload="metadata" src="${src}"></video>`;
        heading = `${resolved.relative} · ${title}`;
        stage = html`
          <div class="stage">${tag}</div>
          <p
            class="now">Playing <strong id="now-playing">${resolved
              .relative}</strong> · <a href="${src}">direct link</a></p>
        `;
      }
    }
    const current = play ?? "";
    const items = shown.map((f) => {
      const href = `${basePath}?${new URLSearchParams(q ? { q, play: f.path } : { play: f.path })}`;
      return html`<li><a href="${href}"${
        f.path === current
          ? html`
            aria-current="true"
          `
          : ""
      }><span>${f.path}</span><small>${formatBytes(f.size)}</small></a></li>`;
    });
    const body = html`
      <div class="player">
        <section>${stage}</section>
        <aside>
          <form class="search" method="get" action="${basePath}"
            role="search"><input type="search" name="q" value="${q}" placeholder="Search files" aria-label="Search files">${play
              ? html`<input type="hidden" name="play" value="${play}">`
              : ""}<button class="primary" type="submit">Search</button></form>
          <ul class="files" id="files">${items.length
            ? items
            : html`<li class="muted"><a>${q ? "No file matches." : "No files."}</a></li>`}</ul>
          <p class="muted">${matching.length} of ${files.length} file${files.length === 1
            ? ""
            : "s"}${truncated ? " (list truncated)" : ""}</p>${pages > 1
            ? html`
              <nav class="pager"
                aria-label="Pages">${pageNumber > 1
                  ? html`<a rel="prev" href="${pageHref(pageNumber - 1)}">Previous</a>`
                  : ""} <span>Page ${pageNumber} of ${pages}</span> ${pageNumber < pages
                  ? html`<a rel="next" href="${pageHref(pageNumber + 1)}">Next</a>`
                  : ""}</nav>
            `
            : ""}
        </aside>
      </div>
    `;
    return htmlResponse(req, page(body, heading), status, {}, ["media-src 'self'"]);
  };
}
