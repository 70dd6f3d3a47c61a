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
  "watchedSeconds",
];

/** The longest `path` a video's routes take: the longest path the watch log looks up. */
export const MAX_VIDEO_PATH = 1024;

const DAY_REGEXP = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const MAX_TEXT = 200;
const PERIODS: readonly Period[] = ["all", "today", "7d", "month", "custom"];
const AUTHS: readonly AdminQuery["auth"][] = ["", "yes", "no"];
const ORDERS: readonly AdminQuery["order"][] = ["asc", "desc"];
const PAGE_REGEXP = /^[0-9]{1,6}$/;
const LIMIT_REGEXP = /^[0-9]{1,4}$/;

/** The outcome of {@linkcode parseAdminQuery}: the query, or why it is refused (a `400`). */
export type AdminQueryResult = { ok: true; query: AdminQuery } | QueryRefusal;

/** A query parameter with a bad value, and the message saying which. */
interface QueryRefusal {
  ok: false;
  error: string;
}

/** The period's days as the filter's bounds, and the custom days as given. */
interface PeriodRange {
  ok: true;
  period: Period;
  from?: Date;
  to?: Date;
  fromDay: string;
  toDay: string;
}

function refuse(error: string): QueryRefusal {
  return { ok: false, error };
}

function isOneOf<T extends string>(value: string, values: readonly T[]): value is T {
  return (values as readonly string[]).includes(value);
}

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
export function parseAdminQuery(params: URLSearchParams, now: Date, pageSize: number): AdminQueryResult {
  const get = (name: string): string => (params.get(name) ?? "").trim();
  const [user, video, ip, auth, order] = [
    get("user"),
    get("video"),
    get("ip"),
    get("auth"),
    get("order") || "desc",
  ];
  const tooLong = Object.entries({ user, video, ip }).find(([, value]) => value.length > MAX_TEXT);
  if (tooLong) return refuse(`"${tooLong[0]}" is longer than ${MAX_TEXT} characters`);
  if (!isOneOf(auth, AUTHS)) return refuse(`"auth" must be "yes", "no" or empty, got "${auth}"`);
  const range = parsePeriod(get("period"), get("from"), get("to"), now);
  if (!range.ok) return range;
  if (!isOneOf(order, ORDERS)) return refuse(`"order" must be asc or desc, got "${order}"`);
  const paging = parsePaging(get("page") || "1", get("limit") || String(pageSize));
  if (!paging.ok) return paging;

  const filter: WatchLogFilter = {};
  if (range.from) filter.from = range.from;
  if (range.to) filter.to = range.to;
  if (auth) filter.authenticated = auth === "yes";
  if (user) filter.userId = user;
  if (video) filter.path = video;
  if (ip) filter.clientIp = ip;
  const { period, fromDay, toDay } = range;
  const query: AdminQuery = {
    filter,
    period,
    auth,
    fromDay,
    toDay,
    user,
    video,
    ip,
    sort: get("sort"),
    order,
    page: paging.page,
    limit: paging.limit,
  };
  return { ok: true, query };
}

/** The period's bounds: `today`, `7d` and `month` from `now`, `custom` from the days given. */
function parsePeriod(name: string, fromDay: string, toDay: string, now: Date): PeriodRange | QueryRefusal {
  const period = name || (fromDay || toDay ? "custom" : "all");
  if (!isOneOf(period, PERIODS)) {
    return refuse(`"period" must be all, today, 7d, month or custom, got "${period}"`);
  }
  if (period === "custom") return parseCustomDays(fromDay, toDay);
  const none = { ok: true, fromDay: "", toDay: "" } as const;
  const [year, month] = [now.getUTCFullYear(), now.getUTCMonth()];
  const today = Date.UTC(year, month, now.getUTCDate());
  switch (period) {
    case "today":
      return { ...none, period, from: new Date(today), to: new Date(today + DAY_MS) };
    case "7d":
      return { ...none, period, from: new Date(today - 6 * DAY_MS), to: new Date(today + DAY_MS) };
    case "month":
      return {
        ...none,
        period,
        from: new Date(Date.UTC(year, month, 1)),
        to: new Date(Date.UTC(year, month + 1, 1)),
      };
    default:
      return { ...none, period: "all" };
  }
}

/** The custom days, both included; with neither the period is `all`. */
function parseCustomDays(fromDay: string, toDay: string): PeriodRange | QueryRefusal {
  const from = fromDay === "" ? null : parseDay(fromDay);
  const to = toDay === "" ? null : parseDay(toDay);
  if (from === null && fromDay !== "") return refuse(`"from" must be a day, YYYY-MM-DD, got "${fromDay}"`);
  if (to === null && toDay !== "") return refuse(`"to" must be a day, YYYY-MM-DD, got "${toDay}"`);
  if (from === null && to === null) return { ok: true, period: "all", fromDay: "", toDay: "" };
  return {
    ok: true,
    period: "custom",
    from: from === null ? undefined : new Date(from),
    to: to === null ? undefined : new Date(to + DAY_MS),
    fromDay,
    toDay,
  };
}

/** The page, from 1, and the rows per page, 1 to 1000. */
function parsePaging(
  pageText: string,
  limitText: string,
): { ok: true; page: number; limit: number } | QueryRefusal {
  const page = Number(pageText);
  const limit = Number(limitText);
  if (!PAGE_REGEXP.test(pageText) || page < 1) {
    return refuse(`"page" must be a whole number from 1, got "${pageText}"`);
  }
  if (!LIMIT_REGEXP.test(limitText) || limit < 1 || limit > 1000) {
    return refuse(`"limit" must be a whole number from 1 to 1000, got "${limitText}"`);
  }
  return { ok: true, page, limit };
}

/** The outcome of {@linkcode parseVideoPath}: the path, or why it is refused (a `400`). */
export type VideoPathResult = { ok: true; path: string } | QueryRefusal;

/**
 * Reads the `path` of a video's routes: the path exactly as logged (not trimmed: a logged path
 * may end in a space), not empty, at most {@linkcode MAX_VIDEO_PATH} characters.
 *
 * @param params The URL's query.
 * @returns The path, or a message saying what is wrong with it.
 */
export function parseVideoPath(params: URLSearchParams): VideoPathResult {
  const path = params.get("path") ?? "";
  if (path === "") return refuse('"path" must name a video, as logged (the Video column)');
  if (path.length > MAX_VIDEO_PATH) return refuse(`"path" is longer than ${MAX_VIDEO_PATH} characters`);
  return { ok: true, path };
}

/**
 * The query of a video's routes (`/video`, `/video.csv`, `/api/video`) for `path`.
 *
 * @param path The video's path, as logged.
 * @returns `?path=…`, encoded.
 */
export function videoQuery(path: string): string {
  return "?" + new URLSearchParams({ path }).toString();
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
