/**
 * The admin's answers while the watch-log database cannot be read: pages `200` with a notice,
 * JSON `200` with `"available": false`, and CSV `424 Failed Dependency`.
 *
 * | route | status | body |
 * | --- | --- | --- |
 * | pages | `200` | the page's layout with a `role="alert"` notice |
 * | `/api/…` | `200` | {@linkcode UnavailableBody} |
 * | `….csv` | `424` | a plain-text reason, no CSV |
 *
 * All of them carry `Retry-After` and `Cache-Control: no-store`.
 *
 * @module
 */

import { textResponse } from "../core/http.ts";
import { htmlResponse } from "../html/html.ts";
import type { WatchLogStats } from "../watch_log/types.ts";
import { type AdminPage, type PageContext, unavailablePage } from "./pages.ts";
import { ADMIN_HEADERS, jsonResponse } from "./responses.ts";
import type { UnavailableReason, WatchLogUnavailableError } from "./watch_log_read.ts";

/**
 * Seconds a client is asked to wait before asking again (RFC 9110 §10.2.3). The logger
 * retries its writes every `retryMaxMs` (2 s by default) at most, so data can be back sooner;
 * this only keeps scripts from polling a database that is down.
 */
export const RETRY_AFTER_SECONDS = 10;

const RETRY_AFTER = { "retry-after": String(RETRY_AFTER_SECONDS) };

/** The JSON API's answer while the watch log cannot be read (status `200`). */
export interface UnavailableBody {
  /** Always `false` here; successful answers have `true`. */
  available: false;
  /** Always `"watch log unavailable"`. */
  error: "watch log unavailable";
  /** `"failed"`: the database answered with an error; `"timeout"`: it did not answer in time. */
  reason: UnavailableReason;
  /** A short cause: `"timeout"`, an error code (`"SQLITE_NOTADB"`) or an error class name. */
  cause: string;
  /** {@linkcode RETRY_AFTER_SECONDS}, as in the header. */
  retryAfter: number;
  /** The watch logger's counters (events in memory, in the spool, lost), or `null` without a logger. */
  logger: WatchLogStats | null;
}

/**
 * The JSON API's answer while the watch log cannot be read: `200`, so that clients can tell
 * it from a server fault, with `"available": false`.
 *
 * @param req The request (HEAD gets the headers only).
 * @param error Why.
 * @param stats The logger's counters, or `null`.
 * @returns The response.
 */
export function unavailableJson(
  req: Request,
  error: WatchLogUnavailableError,
  stats: WatchLogStats | null,
): Response {
  const body: UnavailableBody = {
    available: false,
    error: "watch log unavailable",
    reason: error.reason,
    cause: error.shortCause,
    retryAfter: RETRY_AFTER_SECONDS,
    logger: stats,
  };
  return jsonResponse(req, 200, body, RETRY_AFTER);
}

/**
 * The CSV export's answer while the watch log cannot be read: `424 Failed Dependency`
 * (RFC 4918 §11.4: the export depends on the database, which failed) with a plain-text
 * reason. Not `200`, so `curl --fail` and scripts checking the status never save the reason
 * as a CSV file; not `5xx`, since the server itself works and streaming goes on.
 *
 * @param req The request (HEAD gets the headers only).
 * @param error Why.
 * @returns The response.
 */
export function unavailableCsv(req: Request, error: WatchLogUnavailableError): Response {
  const reason = error.reason === "timeout" ? "the database did not answer in time" : error.shortCause;
  return textResponse(
    req,
    424,
    `watch log unavailable (${reason}): try again later; events are kept in the spool meanwhile\n`,
    { ...ADMIN_HEADERS, ...RETRY_AFTER },
  );
}

/**
 * A page's answer while the watch log cannot be read: `200` with the page's layout, a notice
 * and the logger's counters, so the admin stays usable and says what is wrong.
 *
 * @param req The request (HEAD gets the headers only).
 * @param ctx The page's context.
 * @param page The page asked for.
 * @param error Why.
 * @param stats The logger's counters, or `null`.
 * @param retry The link to try again (the path and query asked for).
 * @returns The response.
 */
export function unavailableHtml(
  req: Request,
  ctx: PageContext,
  page: AdminPage,
  error: WatchLogUnavailableError,
  stats: WatchLogStats | null,
  retry: string,
): Response {
  return htmlResponse(req, unavailablePage(ctx, page, error.shortCause, stats, retry), 200, RETRY_AFTER);
}
