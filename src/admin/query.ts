/**
 * The admin's URL query: filters, period, sort and page, read from and written back to
 * `URLSearchParams`, shared by the pages, the CSV export and the JSON API.
 *
 * @module
 */

import type { ViewingSort, WatchEventSort, WatchLogFilter } from "../watch_log/types.ts";

/** The periods the filter form offers. */
export type Period = "all" | "today" | "7d" | "month" | "custom";

/** The admin query, parsed. */
export interface AdminQuery {
  /** What the watch-log queries receive. */
  filter: WatchLogFilter;
  /** The period chosen. */
  period: Period;
  /** `"yes"`, `"no"` or `""` (both). */
  auth: "" | "yes" | "no";
  /** The custom range's first day, `YYYY-MM-DD`, or `""`. */
  fromDay: string;
  /** The custom range's last day (inclusive), `YYYY-MM-DD`, or `""`. */
  toDay: string;
  /** The user id searched for, or `""`. */
  user: string;
  /** The text searched for in paths, or `""`. */
  video: string;
  /** The client address searched for, or `""`. */
  ip: string;
  /** The sort key given, or `""` for the list's default. */
  sort: string;
  /** `"asc"` or `"desc"`. */
  order: "asc" | "desc";
  /** The page, from 1. */
  page: number;
  /** Rows per page. */
  limit: number;
}

/** Sort keys the requests list accepts. */
export const EVENT_SORTS: readonly WatchEventSort[] = [
  "startedAt",
  "path",
  "userId",
  "status",
  "bytes",
  "durationMs",
];
/** Sort keys the viewings list accepts. */
export const VIEWING_SORTS: readonly ViewingSort[] = [
  "firstSeen",
  "lastSeen",
  "path",
  "userId",
  "requestCount",
  "bytes",
  "watchedShare",
];

const DAY_REGEXP = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const MAX_TEXT = 200;

function parseDay(text: string): number | null {
  const match = DAY_REGEXP.exec(text);
  if (!match) return null;
  const time = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(time).toISOString().slice(0, 10) === text ? time : null;
}

/**
 * Reads the admin query. Days are UTC, like the watch log's per-day counts. `today` is the
 * current UTC day, `7d` the last seven UTC days including today, `month` the current UTC month,
 * `custom` the days `from` to `to`, both included (either may be left out).
 *
 * @param params The URL's query.
 * @param now The current time.
 * @param pageSize The default rows per page.
 * @returns The query, or a message saying which parameter is wrong.
 */
export function parseAdminQuery(
  params: URLSearchParams,
  now: Date,
  pageSize: number,
): { ok: true; query: AdminQuery } | { ok: false; error: string } {
  const get = (name: string): string => (params.get(name) ?? "").trim();
  for (const name of ["user", "video", "ip"]) {
    if (get(name).length > MAX_TEXT) {
      return { ok: false, error: `"${name}" is longer than ${MAX_TEXT} characters` };
    }
  }
  const auth = get("auth");
  if (auth !== "" && auth !== "yes" && auth !== "no") {
    return { ok: false, error: `"auth" must be "yes", "no" or empty, got "${auth}"` };
  }
  const fromDay = get("from");
  const toDay = get("to");
  let period = get("period") || (fromDay || toDay ? "custom" : "all");
  if (!["all", "today", "7d", "month", "custom"].includes(period)) {
    return { ok: false, error: `"period" must be all, today, 7d, month or custom, got "${period}"` };
  }
  const filter: WatchLogFilter = {};
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (period === "today") {
    filter.from = new Date(today);
    filter.to = new Date(today + DAY_MS);
  } else if (period === "7d") {
    filter.from = new Date(today - 6 * DAY_MS);
    filter.to = new Date(today + DAY_MS);
  } else if (period === "month") {
    filter.from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    filter.to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  } else if (period === "custom") {
    const from = fromDay === "" ? null : parseDay(fromDay);
    const to = toDay === "" ? null : parseDay(toDay);
    if (from === null && fromDay !== "") {
      return { ok: false, error: `"from" must be a day, YYYY-MM-DD, got "${fromDay}"` };
    }
    if (to === null && toDay !== "") {
      return { ok: false, error: `"to" must be a day, YYYY-MM-DD, got "${toDay}"` };
    }
    if (from !== null) filter.from = new Date(from);
    if (to !== null) filter.to = new Date(to + DAY_MS);
    if (from === null && to === null) period = "all";
  }
  if (auth) filter.authenticated = auth === "yes";
  const user = get("user");
  const video = get("video");
  const ip = get("ip");
  if (user) filter.userId = user;
  if (video) filter.path = video;
  if (ip) filter.clientIp = ip;

  const order = get("order") || "desc";
  if (order !== "asc" && order !== "desc") {
    return { ok: false, error: `"order" must be asc or desc, got "${order}"` };
  }
  const pageText = get("page") || "1";
  const limitText = get("limit") || String(pageSize);
  if (!/^[0-9]{1,6}$/.test(pageText) || Number(pageText) < 1) {
    return { ok: false, error: `"page" must be a whole number from 1, got "${pageText}"` };
  }
  if (!/^[0-9]{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
    return { ok: false, error: `"limit" must be a whole number from 1 to 1000, got "${limitText}"` };
  }
  return {
    ok: true,
    query: {
      filter,
      period: period as Period,
      auth: auth as AdminQuery["auth"],
      fromDay: period === "custom" ? fromDay : "",
      toDay: period === "custom" ? toDay : "",
      user,
      video,
      ip,
      sort: get("sort"),
      order,
      page: Number(pageText),
      limit: Number(limitText),
    },
  };
}

/**
 * Writes a query back as URL parameters, leaving out defaults, with some values changed.
 *
 * @param query The query.
 * @param changes Parameters to set (`""` removes one).
 * @returns The query string, with its leading `?`, or `""`.
 */
export function queryString(query: AdminQuery, changes: Record<string, string | number> = {}): string {
  const params: Record<string, string> = {
    auth: query.auth,
    period: query.period === "all" ? "" : query.period,
    from: query.fromDay,
    to: query.toDay,
    user: query.user,
    video: query.video,
    ip: query.ip,
    sort: query.sort,
    order: query.sort ? query.order : "",
    page: query.page === 1 ? "" : String(query.page),
  };
  for (const [k, v] of Object.entries(changes)) {
    params[k] = k === "page" && String(v) === "1" ? "" : String(v);
  }
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "") out.set(k, v);
  const text = out.toString();
  return text ? "?" + text : "";
}
