/**
 * The watch-log admin: a read-only dashboard, listings of viewings and requests with filters,
 * search, sort, pages and CSV export, and a JSON API behind the same filters. No script, a
 * strict Content-Security-Policy, and access by token or by your own `authorize`.
 *
 * @module
 */

export { type AdminHandler, createAdminHandler, type Handler } from "./handler.ts";
export type { AdminAuthorizeResult, AdminHandlerOptions } from "./options.ts";
export { escapeHtml, html, type HtmlValue, SafeHtml } from "../html/html.ts";
export { csvCell } from "./csv.ts";
export { RETRY_AFTER_SECONDS, type UnavailableBody } from "./unavailable.ts";
export { type UnavailableReason, WatchLogUnavailableError } from "./watch_log_read.ts";
// the watch-log types the options and answers name, so this entry point documents itself
export type * from "../watch_log/types.ts";
export type { StreamEvent } from "../serve/serve_stream.ts";
export type { ByteRange } from "../core/range.ts";
export type { MediaSummaryLookup } from "../endpoint/media_summary.ts";
export type { MediaSummary } from "../media/describe.ts";
