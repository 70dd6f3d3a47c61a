/**
 * The admin's options: what callers pass to `createAdminHandler`, checked once and resolved
 * with their defaults into {@linkcode AdminSettings}.
 *
 * @module
 */

import { runtime } from "../runtime/mod.ts";
import type { WatchLogQueries } from "../watch_log/types.ts";
import { createTokenAuth, type TokenAuth } from "./auth.ts";
import type { WatchLogUnavailableError } from "./watch_log_read.ts";
import type { MediaSummaryLookup } from "../endpoint/media_summary.ts";

/**
 * The answer of {@linkcode AdminHandlerOptions.authorize}: `true` lets the request in, `false`
 * refuses it (with the login form when a `token` is set, `403` otherwise), and a `Response`
 * is sent as it is (a redirect to your login page …).
 */
export type AdminAuthorizeResult = boolean | Response;

/** Options for {@linkcode createAdminHandler}. */
export interface AdminHandlerOptions {
  /**
   * Where the data comes from: the watch logger (`createWatchLogger()`) or read-only queries
   * (`createWatchLogQueries()`).
   */
  queries: WatchLogQueries;
  /**
   * The admin token (16 bytes or more): accepted as `Authorization: Bearer TOKEN`, or
   * typed into the login form, which then starts a session of its own (a random id in an
   * `HttpOnly; SameSite=Strict` cookie) that logout, expiry or a restart ends. Compared in
   * constant time. Give `token`, `authorize` or both.
   */
  token?: string;
  /**
   * Your own access check (a session from your app, an IP allow-list …), consulted when the
   * request has no valid token. Errors it throws propagate.
   */
  authorize?: (req: Request) => AdminAuthorizeResult | Promise<AdminAuthorizeResult>;
  /**
   * The URL path the admin is mounted at; other paths get `404`.
   *
   * @default {"/admin"}
   */
  basePath?: string;
  /**
   * Rows per page in the listings (the `limit` parameter overrides it, up to 1000).
   *
   * @default {50}
   */
  pageSize?: number;
  /**
   * Most rows in one CSV export.
   *
   * @default {100000}
   */
  maxExportRows?: number;
  /**
   * The name in the page header and titles.
   *
   * @default {"sage-stream admin"}
   */
  title?: string;
  /**
   * How long the login cookie lasts, in seconds.
   *
   * @default {43200}
   */
  sessionMaxAge?: number;
  /**
   * The client's address, which login throttling counts wrong tokens by. `createApp` passes
   * one that honours its `trustProxy`. Defaults to the socket's address.
   */
  clientAddress?: (req: Request, info: unknown) => string | null;
  /**
   * Whether the request reached the server over HTTPS, for the cookie's `Secure` attribute,
   * when a TLS-terminating proxy forwards it as HTTP. `createApp` passes one that reads the
   * trusted proxy's `X-Forwarded-Proto` or `Forwarded: proto=`. A request URL with `https:`
   * always counts.
   */
  isHttps?: (req: Request) => boolean;
  /** The current time, for the period filters in tests. Defaults to the clock. */
  now?: () => Date;
  /**
   * Longest wait, in ms, for each read of the watch log (a page makes one; a CSV export one per
   * 1000 rows). A read that takes longer, or fails, makes the answer "watch log unavailable"
   * (pages and JSON `200`, CSV `424`), so a database that is down, locked or unreachable never
   * holds a page. The read itself is not cancelled.
   *
   * @default {3000}
   */
  queryTimeoutMs?: number;
  /**
   * Receives the error of each read that failed or timed out: a
   * {@linkcode WatchLogUnavailableError} whose `cause` is the database's own error. That
   * error's message may quote the database URL, tokens included; pages and JSON never show
   * it, only a short code.
   *
   * @default {(err) => console.error("admin:", err.message)}
   */
  onQueryError?: (error: WatchLogUnavailableError) => void;
  /**
   * What the media index says of a watched path (its duration, picture size, codecs), shown
   * in the listings and given in the JSON API as `media`. `createApp` passes one that reads
   * the files under its root. Off by default: the admin reads only the watch log.
   */
  mediaInfo?: MediaSummaryLookup;
}

/** The admin's options with their defaults applied, checked: what the handler runs on. */
export interface AdminSettings {
  queries: WatchLogQueries;
  /** The token's checks, or `null` without a token. */
  tokenAuth: TokenAuth | null;
  authorize: AdminHandlerOptions["authorize"];
  /** `basePath` without a trailing slash (`""` at the root). */
  base: string;
  pageSize: number;
  maxExportRows: number;
  title: string;
  sessionMaxAge: number;
  clientAddress: (req: Request, info: unknown) => string | null;
  isHttps: AdminHandlerOptions["isHttps"];
  now: () => Date;
  queryTimeoutMs: number;
  onQueryError: (error: WatchLogUnavailableError) => void;
  mediaInfo: MediaSummaryLookup | undefined;
}

/** The numeric options and the largest value each takes; the smallest is 1. */
const LIMITS = [["pageSize", 1000], ["maxExportRows", 10_000_000], ["queryTimeoutMs", 600_000]] as const;

/**
 * Applies the defaults of {@linkcode AdminHandlerOptions} and checks the result.
 *
 * @param options What the caller passed.
 * @returns The settings.
 * @throws {TypeError} When `queries` is missing, neither `token` nor `authorize` is given, or
 * `basePath` does not start with `/`.
 * @throws {RangeError} When `token` is shorter than 16 bytes or a number is out of range.
 */
export function resolveAdminOptions(options: AdminHandlerOptions): AdminSettings {
  const {
    queries,
    token,
    authorize,
    basePath = "/admin",
    pageSize = 50,
    maxExportRows = 100_000,
    title = "sage-stream admin",
    sessionMaxAge = 43_200,
    clientAddress = (req: Request, info: unknown) => runtime.clientAddress(req, info),
    isHttps,
    now = () => new Date(),
    queryTimeoutMs = 3000,
    onQueryError = (error: WatchLogUnavailableError) => console.error("admin:", error.message),
    mediaInfo,
  } = options ?? {} as AdminHandlerOptions;
  checkQueries(queries);
  checkAccess(token, authorize);
  checkBasePath(basePath);
  checkLimits({ pageSize, maxExportRows, queryTimeoutMs });
  return {
    queries,
    tokenAuth: token === undefined ? null : createTokenAuth(token),
    authorize,
    base: basePath.replace(/\/+$/, ""),
    pageSize,
    maxExportRows,
    title,
    sessionMaxAge,
    clientAddress,
    isHttps,
    now,
    queryTimeoutMs,
    onQueryError,
    mediaInfo,
  };
}

function checkQueries(queries: WatchLogQueries | undefined): void {
  if (!queries || typeof queries.listViewings !== "function" || typeof queries.summary !== "function") {
    throw new TypeError('Cannot create admin handler: "queries" must be a watch logger or watch-log queries');
  }
}

/** An admin without credentials would be open to anyone: refuse to make one. */
function checkAccess(token: string | undefined, authorize: unknown): void {
  if (token === undefined && authorize === undefined) {
    throw new TypeError(
      'Cannot create admin handler: give "token" or "authorize", or the admin is open to anyone',
    );
  }
  if (authorize !== undefined && typeof authorize !== "function") {
    throw new TypeError('Cannot create admin handler: "authorize" must be a function');
  }
}

function checkBasePath(basePath: string): void {
  if (typeof basePath !== "string" || !basePath.startsWith("/")) {
    throw new TypeError(`Cannot create admin handler: "basePath" must start with "/", got "${basePath}"`);
  }
}

function checkLimits(values: Record<(typeof LIMITS)[number][0], number>): void {
  for (const [name, max] of LIMITS) {
    const value = values[name];
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new RangeError(`Cannot create admin handler: "${name}" must be a whole number from 1 to ${max}`);
    }
  }
}
