/**
 * Read queries over the watch log, for admin pages: events and viewings with filters, sorting
 * and paging, and a summary.
 *
 * @module
 */

import { type Client, createClient, type InStatement, type InValue, type Row } from "@libsql/client";
import { migrateWatchLog } from "./schema.ts";
import { parseViewingTime, reachedSeconds, RETENTION_PARTS } from "./watch_time.ts";
import type {
  DailyViews,
  ListEventsOptions,
  ListViewingsOptions,
  RetentionPoint,
  SeekTarget,
  SummaryOptions,
  TopVideo,
  VideoReport,
  ViewingRecord,
  ViewingSort,
  WatchEventRecord,
  WatchEventSort,
  WatchLogClient,
  WatchLogFilter,
  WatchLogList,
  WatchLogPage,
  WatchLogQueries,
  WatchLogSummary,
} from "./types.ts";

const EVENT_SORT: Record<WatchEventSort, string> = {
  startedAt: "started_at",
  path: "path",
  userId: "user_id",
  status: "status",
  bytes: "coalesce(bytes_delivered, bytes_planned)",
  durationMs: "duration_ms",
};

const SHARE_SQL = "(CASE WHEN file_size > 0 THEN min(1.0, covered_bytes * 1.0 / file_size) END)";

const VIEWING_SORT: Record<ViewingSort, string> = {
  firstSeen: "first_seen",
  lastSeen: "last_seen",
  path: "path",
  userId: "user_id",
  requestCount: "request_count",
  bytes: "bytes",
  watchedShare: SHARE_SQL,
  watchedSeconds: "coalesce(watched_seconds, -1)",
};

const EVENT_COLUMNS = "id, started_at, path, user_id, authenticated, client_ip, user_agent, status, " +
  "file_size, range_start, range_end, range_count, bytes_planned, bytes_delivered, duration_ms, aborted, " +
  "viewing_id";

const VIEWING_COLUMNS = "id, path, user_id, authenticated, client_ip, user_agent, first_seen, last_seen, " +
  "request_count, bytes, file_size, coverage, covered_bytes, media_duration, media_time, watched_seconds, " +
  "buffered_seconds, seeks, completed, last_position";

interface _Where {
  sql: string;
  args: InValue[];
}

function _time(value: Date | number, what: string, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new TypeError(`Cannot ${what}: "${name}" must be a valid Date or a number of milliseconds`);
  }
  return ms;
}

/** Builds a WHERE clause; `fromColumn`/`toColumn` say which times the date range applies to. */
function _where(
  filter: WatchLogFilter & { viewingId?: number },
  what: string,
  fromColumn: string,
  toColumn: string,
): _Where {
  const parts: string[] = [];
  const args: InValue[] = [];
  if (filter.authenticated !== undefined) {
    parts.push("authenticated = ?");
    args.push(filter.authenticated ? 1 : 0);
  }
  if (filter.from !== undefined) {
    parts.push(`${fromColumn} >= ?`);
    args.push(_time(filter.from, what, "from"));
  }
  if (filter.to !== undefined) {
    parts.push(`${toColumn} < ?`);
    args.push(_time(filter.to, what, "to"));
  }
  if (filter.userId !== undefined) {
    parts.push("user_id = ?");
    args.push(filter.userId);
  }
  if (filter.clientIp !== undefined) {
    parts.push("client_ip = ?");
    args.push(filter.clientIp);
  }
  if (filter.path !== undefined && filter.path !== "") {
    // instr() instead of LIKE: no wildcard escaping, every character literal
    parts.push("instr(lower(path), lower(?)) > 0");
    args.push(filter.path);
  }
  if (filter.viewingId !== undefined) {
    parts.push("viewing_id = ?");
    args.push(filter.viewingId);
  }
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", args };
}

function _page<S extends string>(
  options: WatchLogPage<S>,
  sorts: Record<S, string>,
  defaultSort: S,
  what: string,
): { orderBy: string; limit: number; offset: number } {
  const { sort = defaultSort, order = "desc", limit = 50, offset = 0 } = options;
  if (!Object.hasOwn(sorts, sort)) {
    throw new TypeError(`Cannot ${what}: "sort" must be one of ${Object.keys(sorts).join(", ")}`);
  }
  if (order !== "asc" && order !== "desc") {
    throw new TypeError(`Cannot ${what}: "order" must be "asc" or "desc"`);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RangeError(`Cannot ${what}: "limit" must be an integer from 1 to 1000`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`Cannot ${what}: "offset" must be a non-negative integer`);
  }
  const dir = order === "asc" ? "ASC" : "DESC";
  // id breaks ties, so pages never overlap or skip rows
  return { orderBy: `ORDER BY ${sorts[sort]} ${dir}, id ${dir}`, limit, offset };
}

function _num(value: unknown): number {
  return Number(value ?? 0);
}

function _numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function _strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function _eventRecord(row: Row): WatchEventRecord {
  return {
    id: _num(row.id),
    startedAt: new Date(_num(row.started_at)),
    path: String(row.path),
    userId: _strOrNull(row.user_id),
    authenticated: _num(row.authenticated) !== 0,
    clientIp: _strOrNull(row.client_ip),
    userAgent: _strOrNull(row.user_agent),
    status: _num(row.status),
    fileSize: _numOrNull(row.file_size),
    rangeStart: _numOrNull(row.range_start),
    rangeEnd: _numOrNull(row.range_end),
    rangeCount: _num(row.range_count),
    bytesPlanned: _num(row.bytes_planned),
    bytesDelivered: _numOrNull(row.bytes_delivered),
    durationMs: _num(row.duration_ms),
    aborted: _num(row.aborted) !== 0,
    viewingId: _numOrNull(row.viewing_id),
  };
}

function _viewingRecord(row: Row): ViewingRecord {
  const fileSize = _numOrNull(row.file_size);
  const coveredBytes = _num(row.covered_bytes);
  let coverage: [number, number][] = [];
  try {
    coverage = JSON.parse(String(row.coverage));
  } catch {
    // a damaged cell must not break the page
  }
  return {
    id: _num(row.id),
    path: String(row.path),
    userId: _strOrNull(row.user_id),
    authenticated: _num(row.authenticated) !== 0,
    clientIp: _strOrNull(row.client_ip),
    userAgent: _strOrNull(row.user_agent),
    firstSeen: new Date(_num(row.first_seen)),
    lastSeen: new Date(_num(row.last_seen)),
    requestCount: _num(row.request_count),
    bytes: _num(row.bytes),
    fileSize,
    coverage,
    coveredBytes,
    watchedShare: fileSize !== null && fileSize > 0 ? Math.min(1, coveredBytes / fileSize) : null,
    ..._viewingTime(row),
  };
}

type _TimeFields = Pick<
  ViewingRecord,
  | "mediaDuration"
  | "bufferedTime"
  | "watchedTime"
  | "watchedSeconds"
  | "bufferedSeconds"
  | "seeks"
  | "completed"
  | "lastPosition"
>;

/** A viewing's watch time, or the empty figures of one counted in bytes only. */
function _viewingTime(row: Row): _TimeFields {
  const time = parseViewingTime(row.media_time);
  if (time === null) {
    return {
      mediaDuration: null,
      bufferedTime: [],
      watchedTime: [],
      watchedSeconds: null,
      bufferedSeconds: null,
      seeks: 0,
      completed: false,
      lastPosition: null,
    };
  }
  return {
    mediaDuration: time.duration,
    bufferedTime: time.buffered,
    watchedTime: reachedSeconds(time),
    watchedSeconds: _num(row.watched_seconds),
    bufferedSeconds: _num(row.buffered_seconds),
    seeks: _num(row.seeks),
    completed: _num(row.completed) !== 0,
    lastPosition: _numOrNull(row.last_position),
  };
}

/** What differs between the two lists: the table, its columns, sorts, date columns and rows. */
interface _ListSpec<S extends string, R> {
  /** For messages: "Cannot list watch events: …". */
  what: string;
  table: string;
  columns: string;
  sorts: Record<S, string>;
  defaultSort: S;
  /** The column `from` applies to, and the one `to` applies to. */
  fromColumn: string;
  toColumn: string;
  record: (row: Row) => R;
}

/** Events match `[from, to)` by start time. */
const EVENT_LIST: _ListSpec<WatchEventSort, WatchEventRecord> = {
  what: "list watch events",
  table: "watch_events",
  columns: EVENT_COLUMNS,
  sorts: EVENT_SORT,
  defaultSort: "startedAt",
  fromColumn: "started_at",
  toColumn: "started_at",
  record: _eventRecord,
};

/** Viewings match when they overlap `[from, to)`: still active at `from`, begun before `to`. */
const VIEWING_LIST: _ListSpec<ViewingSort, ViewingRecord> = {
  what: "list viewings",
  table: "watch_viewings",
  columns: VIEWING_COLUMNS,
  sorts: VIEWING_SORT,
  defaultSort: "firstSeen",
  fromColumn: "last_seen",
  toColumn: "first_seen",
  record: _viewingRecord,
};

/** Where the queries read from: a ready client, or a URL to open. */
export type WatchLogSource = WatchLogClient | { url: string; authToken?: string };

function _isClient(source: WatchLogSource): source is WatchLogClient {
  return typeof (source as Client).execute === "function";
}

/**
 * Read queries over a watch log database, for admin pages. The tables are created on first use
 * if missing. Events still queued in a logger (up to its `flushIntervalMs`) are not seen.
 *
 * Date filters: events match by start time; viewings match when they overlap `[from, to)`;
 * the summary counts viewings that began in `[from, to)`. Days are UTC.
 *
 * @param source A `@libsql/client` client (not closed by these queries), or `{ url, authToken }`
 *   to open one (closed by nothing: keep the queries for the life of the process).
 * @returns The queries.
 *
 * @example Usage
 * ```ts
 * import { createWatchLogQueries } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 *
 * const queries = createWatchLogQueries({ url: ":memory:" });
 * const page = await queries.listViewings({ authenticated: true, limit: 20 });
 * assert.equal(page.total, 0);
 * ```
 */
export function createWatchLogQueries(source: WatchLogSource): WatchLogQueries {
  const open = _opener(source);
  return {
    listEvents: (options: ListEventsOptions = {}) => _list(EVENT_LIST, options, open),
    listViewings: (options: ListViewingsOptions = {}) => _list(VIEWING_LIST, options, open),
    getViewing: (id: number) => _getViewing(id, open),
    summary: (options: SummaryOptions = {}) => _summary(options, open),
    videoReport: (path: string) => _videoReport(path, open),
  };
}

/** Opens (and migrates) the database on first use; after a failure, tries again on the next call. */
function _opener(source: WatchLogSource): () => Promise<Client> {
  let client: Client | null = _isClient(source) ? source as Client : null;
  let ready: Promise<Client> | null = null;
  return () => {
    ready ??= (async () => {
      client ??= createClient({
        url: (source as { url: string }).url,
        authToken: (source as { authToken?: string }).authToken,
      });
      await migrateWatchLog(client);
      return client;
    })();
    ready.catch(() => ready = null);
    return ready;
  };
}

/** One page of a list and the number of rows matching its filters, read in one batch. */
async function _list<S extends string, R>(
  spec: _ListSpec<S, R>,
  options: WatchLogFilter & WatchLogPage<S> & { viewingId?: number },
  open: () => Promise<Client>,
): Promise<WatchLogList<R>> {
  const where = _where(options, spec.what, spec.fromColumn, spec.toColumn);
  const { orderBy, limit, offset } = _page(options, spec.sorts, spec.defaultSort, spec.what);
  const db = await open();
  const [rows, count] = await db.batch([
    {
      sql: `SELECT ${spec.columns} FROM ${spec.table} ${where.sql} ${orderBy} LIMIT ? OFFSET ?`,
      args: [...where.args, limit, offset],
    },
    { sql: `SELECT count(*) AS n FROM ${spec.table} ${where.sql}`, args: where.args },
  ], "read");
  return { items: rows.rows.map(spec.record), total: _num(count.rows[0]?.n), limit, offset };
}

async function _getViewing(id: number, open: () => Promise<Client>): Promise<ViewingRecord | null> {
  const db = await open();
  const result = await db.execute({
    sql: `SELECT ${VIEWING_COLUMNS} FROM watch_viewings WHERE id = ?`,
    args: [id],
  });
  return result.rows.length ? _viewingRecord(result.rows[0]) : null;
}

async function _summary(options: SummaryOptions, open: () => Promise<Client>): Promise<WatchLogSummary> {
  const what = "summarize the watch log";
  const { topLimit = 10 } = options;
  if (!Number.isInteger(topLimit) || topLimit < 0 || topLimit > 1000) {
    throw new RangeError(`Cannot ${what}: "topLimit" must be an integer from 0 to 1000`);
  }
  const where = _where(options, what, "first_seen", "first_seen");
  const db = await open();
  const [totals, days, top, topByTime] = await db.batch(_summaryStatements(where, topLimit), "read");
  return _summaryFrom(totals.rows[0], days.rows, top.rows, topByTime.rows);
}

/** Seconds reached, completions and viewings with watch time, of the viewings grouped. */
const TIME_SQL = "coalesce(sum(watched_seconds), 0) AS watched, coalesce(sum(completed), 0) AS completed, " +
  "count(media_duration) AS timed";

/** The summary's reads: totals, viewings per day, the most viewed paths, the paths watched longest. */
function _summaryStatements(where: _Where, topLimit: number): InStatement[] {
  const topVideos = (order: string): InStatement => ({
    sql: `SELECT path, count(*) AS viewings, count(DISTINCT viewer_key) AS viewers,
        coalesce(sum(bytes), 0) AS bytes, avg(${SHARE_SQL}) AS share, ${TIME_SQL}
      FROM watch_viewings ${where.sql} GROUP BY path ORDER BY ${order}, path LIMIT ?`,
    args: [...where.args, topLimit],
  });
  return [
    {
      sql: `SELECT count(*) AS viewings, coalesce(sum(request_count), 0) AS requests,
          count(DISTINCT viewer_key) AS viewers, count(DISTINCT user_id) AS users,
          coalesce(sum(bytes), 0) AS bytes, avg(${SHARE_SQL}) AS share, ${TIME_SQL}
        FROM watch_viewings ${where.sql}`,
      args: where.args,
    },
    {
      sql: `SELECT strftime('%Y-%m-%d', first_seen / 1000, 'unixepoch') AS day, count(*) AS viewings,
          count(DISTINCT viewer_key) AS viewers, coalesce(sum(bytes), 0) AS bytes,
          coalesce(sum(watched_seconds), 0) AS watched
        FROM watch_viewings ${where.sql} GROUP BY day ORDER BY day`,
      args: where.args,
    },
    topVideos("viewings DESC, bytes DESC"),
    topVideos("watched DESC, viewings DESC"),
  ];
}

function _rate(completed: unknown, timed: unknown): number | null {
  const viewings = _num(timed);
  return viewings > 0 ? _num(completed) / viewings : null;
}

function _topVideo(r: Row): TopVideo {
  return {
    path: String(r.path),
    viewings: _num(r.viewings),
    uniqueViewers: _num(r.viewers),
    bytes: _num(r.bytes),
    averageWatchedShare: _numOrNull(r.share),
    watchedSeconds: _num(r.watched),
    completionRate: _rate(r.completed, r.timed),
  };
}

function _summaryFrom(totals: Row | undefined, days: Row[], top: Row[], topByTime: Row[]): WatchLogSummary {
  return {
    viewings: _num(totals?.viewings),
    requests: _num(totals?.requests),
    uniqueViewers: _num(totals?.viewers),
    uniqueUsers: _num(totals?.users),
    bytes: _num(totals?.bytes),
    averageWatchedShare: _numOrNull(totals?.share),
    viewsPerDay: days.map((r): DailyViews => ({
      day: String(r.day),
      viewings: _num(r.viewings),
      uniqueViewers: _num(r.viewers),
      bytes: _num(r.bytes),
      watchedSeconds: _num(r.watched),
    })),
    topVideos: top.map(_topVideo),
    watchedSeconds: _num(totals?.watched),
    completionRate: _rate(totals?.completed, totals?.timed),
    topVideosByWatchTime: topByTime.map(_topVideo),
  };
}

/** The longest path a video report looks up (as long as the longest path the log stores). */
const MAX_REPORT_PATH = 1024;

async function _videoReport(path: string, open: () => Promise<Client>): Promise<VideoReport | null> {
  if (typeof path !== "string" || path === "" || path.length > MAX_REPORT_PATH) {
    throw new TypeError(
      `Cannot report on a video: "path" must be a non-empty string of at most ${MAX_REPORT_PATH} characters`,
    );
  }
  const db = await open();
  const [video, parts, viewers] = await db.batch([
    { sql: "SELECT * FROM watch_videos WHERE path = ?", args: [path] },
    { sql: "SELECT part, reached, seeks FROM watch_video_parts WHERE path = ? ORDER BY part", args: [path] },
    { sql: "SELECT count(DISTINCT viewer_key) AS n FROM watch_viewings WHERE path = ?", args: [path] },
  ], "read");
  const row = video.rows[0];
  if (row === undefined || _num(row.viewings) === 0) return null;
  return _videoReportFrom(path, row, parts.rows, _num(viewers.rows[0]?.n));
}

function _videoReportFrom(path: string, row: Row, parts: Row[], uniqueViewers: number): VideoReport {
  const timed = _num(row.timed_viewings);
  const duration = timed > 0 ? _numOrNull(row.duration) : null;
  const watched = _num(row.watched_seconds);
  const reached = new Array<number>(RETENTION_PARTS).fill(0);
  const seeks = new Array<number>(RETENTION_PARTS).fill(0);
  for (const part of parts) {
    const at = _num(part.part);
    if (at >= 0 && at < RETENTION_PARTS) {
      reached[at] = _num(part.reached);
      seeks[at] = _num(part.seeks);
    }
  }
  const width = (duration ?? 0) / RETENTION_PARTS;
  const span = (part: number) => ({ start: part * width, end: (part + 1) * width });
  return {
    path,
    viewings: _num(row.viewings),
    timedViewings: timed,
    uniqueViewers,
    duration,
    watchedSeconds: watched,
    averageWatchedSeconds: timed > 0 ? watched / timed : null,
    completed: _num(row.completed),
    completionRate: _rate(row.completed, timed),
    seeks: _num(row.seeks),
    retention: duration === null ? [] : reached.map((viewings, part): RetentionPoint => ({
      ...span(part),
      viewings,
      share: Math.min(1, viewings / timed),
    })),
    seekTargets: duration === null
      ? []
      : seeks.map((count, part): SeekTarget => ({ ...span(part), seeks: count })),
  };
}
