/**
 * `createApp()`: the whole server as one handler: the player page, the stream endpoint and
 * the watch-log admin, as the command-line server runs them.
 *
 * @module
 */

import { clientAddressOf, forwardedHttps } from "../endpoint/client_address.ts";
import { type AllowedHosts, hostAllowed } from "./host_check.ts";
import { type Handler, requestUrl, textResponse } from "../core/http.ts";
import { type AdminAuthorizeResult, createAdminHandler } from "../admin/mod.ts";
import { createStreamHandler, type StreamHandlerOptions, type StreamRecorder } from "../endpoint/handler.ts";
import { createPlayerHandler, PLAYER_STYLESHEET_PATH, type PlayerHandlerOptions } from "../player/player.ts";
import type { WatchLogQueries } from "../watch_log/types.ts";
import { createMediaIndexCache } from "../media/index_cache.ts";
import type { PacingOptions } from "../core/pacing.ts";
import { createMediaSummaryLookup } from "../endpoint/media_summary.ts";

/** Options for {@linkcode createApp}: the stream handler's, plus the player and the admin. */
export interface AppOptions extends Omit<StreamHandlerOptions, "pacing"> {
  /**
   * How media elements' responses are paced, `null` for not at all: by default each sends 4 s
   * of media at full speed, then 1.25 × the media's bitrate. Players then fetch as they play,
   * so a viewer who leaves early has not pulled the whole film, and the watch log sees which
   * seconds were reached and where viewers jumped (a player holding the whole film seeks
   * without asking). Downloaders, ffmpeg and other clients are never paced by the default.
   *
   * @default {{ rate: { bitrate: 1.25 }, after: { seconds: 4 }, for: "media-elements" }}
   */
  pacing?: PacingOptions | null;
  /**
   * The watch log the stream endpoint records to. When it can also answer queries (the watch
   * logger from `createWatchLogger()` can), the admin reads from it.
   */
  watchLog?: StreamRecorder & Partial<WatchLogQueries>;
  /** Where the admin reads from, when not from `watchLog` (`createWatchLogQueries()`). */
  queries?: WatchLogQueries;
  /**
   * The admin token (16 bytes or more). The admin is served at `/admin` only when
   * `adminToken` or `adminAuthorize` is set.
   */
  adminToken?: string;
  /** Your own access check for the admin, see the admin's `authorize`. */
  adminAuthorize?: (req: Request) => AdminAuthorizeResult | Promise<AdminAuthorizeResult>;
  /**
   * The `Host` names answered; other names get `403`. A list (`"video.example.com"`, or
   * `".example.com"` for it and its subdomains) protects a server on a developer's machine from
   * DNS rebinding, where a page on another site points its own name at `127.0.0.1` and reads
   * the listing and the media. IP addresses, `localhost` and `*.localhost` are always answered.
   * The CLI passes `[]` (plus its `--allow-host` names); `true` answers every name.
   *
   * @default {true}
   */
  allowedHosts?: AllowedHosts;
  /**
   * The player page at `/`: `false` turns it off, an object tunes it.
   *
   * With a `signingSecret`, the page is off unless turned on here: it lists every file and
   * hands anyone who opens it a signed URL for each (valid for its `signedUrlTtl`), so with it
   * on, signing keeps URLs from being guessed or kept, not files from being watched.
   *
   * @default {true without a signingSecret, false with one}
   */
  player?:
    | boolean
    | Omit<PlayerHandlerOptions, "root" | "basePath" | "streamPath" | "param" | "signingSecret">;
}

export type { AllowedHosts };

/** The handler {@linkcode createApp} returns (a {@linkcode Handler}). */
export type AppHandler = Handler;
export type { Handler };

const ADMIN_PATH = "/admin";

/** The app's default pacing: see {@linkcode AppOptions.pacing}. */
export const PLAYER_PACING: Readonly<PacingOptions> = Object.freeze({
  rate: Object.freeze({ bitrate: 1.25 }),
  after: Object.freeze({ seconds: 4 }),
  for: "media-elements",
});

/**
 * Creates the whole server as one handler:
 *
 * | path | answered by |
 * | --- | --- |
 * | `/` (and `/?play=PATH`), `/player/style.css` | the player page (unless `player: false`, or a `signingSecret` without `player`) |
 * | `/stream?path=…` (`basePath`) | the stream endpoint, `createStreamHandler(options)` |
 * | `/admin…` | the watch-log admin, only when `adminToken` or `adminAuthorize` is set |
 * | anything else | `404` |
 *
 * @param options The stream handler's options plus the admin's and the player's, see
 *   {@linkcode AppOptions}.
 * @returns The handler.
 * @throws {TypeError} When the stream handler's options are wrong, or admin credentials are
 *   given without a watch log that answers queries.
 * @throws {RangeError} When `adminToken` is shorter than 16 bytes.
 *
 * @example Usage
 * ```ts
 * import { createApp } from "@sage/stream/app";
 * import { createWatchLogger } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 *
 * const watchLog = createWatchLogger({ url: ":memory:" });
 * const app = createApp({ root: "samples", watchLog, adminToken: "a-long-random-admin-token" });
 * // Deno.serve(app) or Bun.serve({ fetch: app })
 * const res = await app(new Request("http://localhost/?play=sample.webm"));
 * assert.equal(res.status, 200);
 * await res.body?.cancel();
 * await watchLog.close();
 * ```
 */
export function createApp(options: AppOptions): AppHandler {
  const {
    queries,
    adminToken,
    adminAuthorize,
    allowedHosts = true,
    ...streamOptions
  } = options ?? {} as AppOptions;
  const {
    root,
    basePath: streamPath = "/stream",
    param = "path",
    signingSecret,
    watchLog,
    trustProxy = false,
    proxyHeader = "x-forwarded-for",
  } = streamOptions;
  // a public page that signs every path would make the signatures protect nothing
  const { player = signingSecret === undefined } = options ?? {};
  // one media index for the endpoint (clips, fast start) and the player (durations, codecs)
  const mediaIndex = streamOptions.mediaIndex ?? createMediaIndexCache();
  const { pacing = PLAYER_PACING } = streamOptions;
  const stream = createStreamHandler({ ...streamOptions, pacing: pacing ?? undefined, mediaIndex });
  const playerHandler = player === false ? null : createPlayerHandler({
    mediaIndex,
    ...(player === true ? {} : player),
    root,
    streamPath,
    param,
    signingSecret,
  });

  let admin = null;
  if (adminToken !== undefined || adminAuthorize !== undefined) {
    const source = queries ??
      (watchLog && typeof watchLog.listViewings === "function" ? watchLog as WatchLogQueries : undefined);
    if (source === undefined) {
      throw new TypeError(
        'Cannot create app: the admin needs a "watchLog" that answers queries, or "queries"',
      );
    }
    admin = createAdminHandler({
      queries: source,
      token: adminToken,
      authorize: adminAuthorize,
      basePath: ADMIN_PATH,
      clientAddress: (req, info) => clientAddressOf(req, info, trustProxy, proxyHeader),
      mediaInfo: createMediaSummaryLookup(root, mediaIndex),
      isHttps: (req) => forwardedHttps(req, trustProxy, proxyHeader),
    });
  }

  return function app(req: Request, info?: unknown): Promise<Response> {
    const { pathname, hostname } = requestUrl(req);
    if (!hostAllowed(hostname, allowedHosts)) {
      return Promise.resolve(
        textResponse(req, 403, `Forbidden: the host "${hostname}" is not answered here`),
      );
    }
    if (pathname === streamPath) return stream(req, info);
    if (playerHandler && (pathname === "/" || pathname === PLAYER_STYLESHEET_PATH)) {
      return playerHandler(req, info);
    }
    if (admin && (pathname === ADMIN_PATH || pathname.startsWith(ADMIN_PATH + "/"))) return admin(req, info);
    return Promise.resolve(textResponse(req, 404, "Not Found"));
  };
}
