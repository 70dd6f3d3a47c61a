/**
 * Types shared by the watch logger, its writer and its queries.
 *
 * @module
 */

import type { ByteRange } from "../core/range.ts";
import type { StreamEvent } from "../serve/serve_stream.ts";
import type { MediaSeconds } from "../serve/media_time.ts";

/** Who made a request, as {@linkcode WatchLoggerOptions.identify} reports it. */
export interface WatchIdentity {
  /** The user's id, or `null`/absent for anonymous requests. */
  userId?: string | null;
  /** Whether the request was authenticated. */
  authenticated: boolean;
}

/** Options for {@linkcode createWatchLogger}. */
export interface WatchLoggerOptions {
  /**
   * The database: `file:PATH` for an embedded libSQL file (relative paths are relative to the
   * working directory), or `libsql://`, `http://`, `https://`, `ws://`, `wss://` for a libSQL
   * server (sqld, Turso) that several app servers share. Ignored when `client` is given.
   *
   * @default {"file:watch-log.db"}
   */
  url?: string;
  /**
   * The token for a libSQL server URL (prefer it to an `authToken` parameter in the URL, which
   * `ps` shows). Never printed: messages show the URL without credentials.
   */
  authToken?: string;
  /**
   * A ready `@libsql/client` client to write to instead of opening `url`. The logger does not
   * close it. For `file:` clients, give it a busy `timeout` yourself.
   */
  client?: WatchLogClient;
  /**
   * Says who made a request: the user behind it, if any. Called once per logged event when the
   * response ends, on the serving thread (it needs the `Request`); may be async, and the event
   * waits for it. Errors count as anonymous and are reported to `onError`.
   *
   * @default {() => ({ userId: null, authenticated: false })}
   */
  identify?: (request: Request) => WatchIdentity | Promise<WatchIdentity>;
  /**
   * Which served responses are logged.
   *
   * @default {(e) => e.request.method === "GET" && (e.status === 200 || e.status === 206)}
   */
  shouldLog?: (event: StreamEvent) => boolean;
  /**
   * Requests by the same viewer (the user, or the client address and user agent when anonymous)
   * for the same path are one viewing while no gap between them is longer than this, in ms.
   *
   * @default {1800000}
   */
  idleWindowMs?: number;
  /**
   * Most events written in one transaction; reaching it starts a write right away.
   *
   * @default {200}
   */
  batchSize?: number;
  /**
   * Longest time, in ms, an event waits in the queue before a write starts.
   *
   * @default {1000}
   */
  flushIntervalMs?: number;
  /**
   * Most events held in memory while the database cannot take them. Beyond it they go to the
   * spool; without a spool (`spoolPath: null`) the oldest are dropped, counted in
   * `stats().dropped` and reported to `onError`. At least `batchSize`.
   *
   * @default {10000}
   */
  maxQueue?: number;
  /**
   * Delay, in ms, before the first retry of a failed write; it doubles (with jitter) on each
   * further failure up to `retryMaxMs`.
   *
   * @default {250}
   */
  retryBaseMs?: number;
  /**
   * Longest delay, in ms, between retries of a failed write: how long, at most, writing takes
   * to resume after the database is back.
   *
   * @default {2000}
   */
  retryMaxMs?: number;
  /**
   * How long, in ms, a write to an embedded `file:` database waits for another connection's
   * lock before failing (and being retried later). The wait runs on the writer's thread, never
   * on the one serving requests; it is kept short so that `close()` and flushes stay prompt.
   *
   * @default {100}
   */
  busyTimeoutMs?: number;
  /**
   * How long, in ms, `close()` keeps retrying to write what is queued before it moves the rest
   * to the spool (without a spool: counts it as dropped).
   *
   * @default {10000}
   */
  closeTimeoutMs?: number;
  /**
   * Receives write failures, lost events ({@linkcode WatchLogDropError},
   * `WatchLogSpoolFullError`), notices (a database file replaced while open) and `identify`
   * errors. Never called synchronously from `record()`. Messages never hold the token.
   *
   * @default {(err) => console.error("watch log:", err.name + ": " + err.message)}
   */
  onError?: (error: unknown) => void;
  /**
   * The spool: a local embedded libSQL file where events wait, durably, while the database
   * cannot take them (down, locked, gone, or at shutdown); they are delivered from it, oldest
   * first and exactly once, when it can. Several processes may share one spool file; a spool
   * left by an earlier run is delivered by the next. `null`: no spool (events wait in memory,
   * up to `maxQueue`).
   *
   * @default {"<database file>-spool" for a file:, "watch-log-spool.db" for a server, null for a given client or :memory:}
   */
  spoolPath?: string | null;
  /**
   * Most events the spool holds. Beyond it, events are lost, counted in `stats().dropped` and
   * reported as a `WatchLogSpoolFullError`. About 0.5 KB of disk each.
   *
   * @default {1000000}
   */
  spoolMaxEvents?: number;
  /**
   * Whether the writer runs in a worker thread (the default), so database calls never run on
   * the thread that serves requests. A given `client` or a `:memory:` database, which cannot
   * move to another thread, is written on the calling thread.
   *
   * @default {true, false with `client` or a ":memory:" url}
   */
  inWorker?: boolean;
}

/** Counters reported by {@linkcode WatchLogger.stats}. */
export interface WatchLogStats {
  /** Events in memory waiting to be written, including a batch being written now. */
  queued: number;
  /** Events in the spool file, waiting for the database. */
  spooled: number;
  /** Events written to the database. */
  written: number;
  /** Events whose write failed and was tried again later (counted each time). */
  retried: number;
  /** Events lost: spool full or unusable, no spool and a full queue, or recorded after `close()`. */
  dropped: number;
  /** Attempts to write or to reach the database that failed. */
  failedWrites: number;
  /** Whether the last attempt to write or reach the database succeeded. */
  available: boolean;
}

/** One request to record with {@linkcode WatchLogger.logWatchRequest}. */
export interface WatchRequestEntry {
  /** The file path that was watched. */
  path: string;
  /** The user's id, or `null` for anonymous viewers. */
  userId?: string | null;
  /** Whether the viewer was authenticated. Defaults to whether `userId` is set. */
  authenticated?: boolean;
  /** The client's address. */
  clientIp?: string | null;
  /** The user agent; read from `request` when absent. */
  userAgent?: string | null;
  /** The request, used only for its `User-Agent` header. */
  request?: Request;
  /** When it happened. Defaults to now. */
  at?: Date;
  /** The response status. Defaults to `200`. */
  status?: number;
  /** The file's length in bytes, when known. */
  size?: number | null;
  /** The byte ranges sent. Defaults to none. */
  ranges?: ByteRange[];
  /** Bytes sent. Defaults to the length of `ranges`. */
  bytes?: number;
  /** Milliseconds the response took. Defaults to `0`. */
  durationMs?: number;
  /** Whether the client went away early. Defaults to `false`. */
  aborted?: boolean;
  /**
   * The seconds of media the bytes sent covered, with the media's length, for watch time (as
   * `serveStream` reports them with `mediaTime`). Without it, the request counts bytes only.
   */
  media?: MediaSeconds | null;
}

/** Filters shared by the event and viewing lists and the summary. */
export interface WatchLogFilter {
  /** Only authenticated (`true`) or only anonymous (`false`) viewers. */
  authenticated?: boolean;
  /** From this time on (inclusive). Events by start; viewings still active at or after it. */
  from?: Date | number;
  /** Before this time (exclusive). Events by start; viewings that began before it. */
  to?: Date | number;
  /** Only this user id. */
  userId?: string;
  /** Only paths containing this text (case-insensitive for ASCII). */
  path?: string;
  /** Only this client address. */
  clientIp?: string;
}

/** Paging and order for the lists. */
export interface WatchLogPage<Sort extends string> {
  /** The column to sort by. */
  sort?: Sort;
  /**
   * `"asc"` or `"desc"`.
   *
   * @default {"desc"}
   */
  order?: "asc" | "desc";
  /**
   * Most rows returned, 1 to 1000.
   *
   * @default {50}
   */
  limit?: number;
  /**
   * Rows skipped.
   *
   * @default {0}
   */
  offset?: number;
}

/** Sort keys of {@linkcode WatchLogQueries.listEvents}. */
export type WatchEventSort = "startedAt" | "path" | "userId" | "status" | "bytes" | "durationMs";

/** Sort keys of {@linkcode WatchLogQueries.listViewings}. */
export type ViewingSort =
  | "firstSeen"
  | "lastSeen"
  | "path"
  | "userId"
  | "requestCount"
  | "bytes"
  | "watchedShare"
  | "watchedSeconds";

/** Options for {@linkcode WatchLogQueries.listEvents}. */
export interface ListEventsOptions extends WatchLogFilter, WatchLogPage<WatchEventSort> {
  /** Only the events of this viewing. */
  viewingId?: number;
}

/** Options for {@linkcode WatchLogQueries.listViewings}. */
export interface ListViewingsOptions extends WatchLogFilter, WatchLogPage<ViewingSort> {}

/** Options for {@linkcode WatchLogQueries.summary}. */
export interface SummaryOptions extends WatchLogFilter {
  /**
   * How many videos `topVideos` lists.
   *
   * @default {10}
   */
  topLimit?: number;
}

/** One page of rows, with the number of rows matching the filters. */
export interface WatchLogList<T> {
  /** The rows of this page. */
  items: T[];
  /** Rows matching the filters, on all pages. */
  total: number;
  /** The page size used. */
  limit: number;
  /** The offset used. */
  offset: number;
}

/** One logged response (a row of `watch_events`). */
export interface WatchEventRecord {
  /** Row id. */
  id: number;
  /** When the request started. */
  startedAt: Date;
  /** The file path. */
  path: string;
  /** The user's id, or `null`. */
  userId: string | null;
  /** Whether the request was authenticated. */
  authenticated: boolean;
  /** The client's address, or `null`. */
  clientIp: string | null;
  /** The `User-Agent` header, or `null`. */
  userAgent: string | null;
  /** The response status. */
  status: number;
  /** The file's length, or `null`. */
  fileSize: number | null;
  /** First byte sent, or `null` without a body. */
  rangeStart: number | null;
  /** Last byte sent (inclusive), or `null` without a body. */
  rangeEnd: number | null;
  /** Number of ranges sent (more than one for multipart responses). */
  rangeCount: number;
  /** Body length announced. */
  bytesPlanned: number;
  /** Body bytes actually handed to the runtime, or `null` where it cannot be observed. */
  bytesDelivered: number | null;
  /** Milliseconds from the request until the body ended. */
  durationMs: number;
  /** Whether the client went away early. */
  aborted: boolean;
  /** The viewing this request belongs to. */
  viewingId: number | null;
}

/** One viewing: a viewer's requests for one file with no long gap (a row of `watch_viewings`). */
export interface ViewingRecord {
  /** Row id. */
  id: number;
  /** The file path. */
  path: string;
  /** The user's id, or `null` for anonymous viewers. */
  userId: string | null;
  /** Whether the viewer was authenticated. */
  authenticated: boolean;
  /** The client's address at the first request. */
  clientIp: string | null;
  /** The user agent at the first request. */
  userAgent: string | null;
  /** When the first request started. */
  firstSeen: Date;
  /** When the last request ended. */
  lastSeen: Date;
  /** Requests in this viewing. */
  requestCount: number;
  /** Bytes sent (delivered where observable, planned otherwise). */
  bytes: number;
  /** The file's length, or `null` when unknown. */
  fileSize: number | null;
  /** The parts of the file served, as merged inclusive `[start, end]` byte intervals. */
  coverage: [number, number][];
  /** Bytes covered by `coverage` (each byte once, however often it was sent). */
  coveredBytes: number;
  /** `coveredBytes / fileSize` (0 to 1), or `null` when the size is unknown or zero. */
  watchedShare: number | null;
  /**
   * The media's length in seconds, when its index mapped the bytes served to time; `null` for
   * a viewing counted in bytes only (a file the media index does not read, a request logged
   * without `media`, or a viewing logged before watch time existed).
   */
  mediaDuration: number | null;
  /**
   * The seconds of media the delivered bytes covered, merged `[start, end]` intervals: what
   * reached the player, including what it buffered ahead and never played.
   */
  bufferedTime: [number, number][];
  /**
   * The seconds of media the viewer reached, merged `[start, end]` intervals: from where each
   * run of requests started, as far as its bytes went but no further than the wall-clock time
   * it lasted allows at normal speed (see the README's "Watch time"). An estimate from above
   * for paused or fully buffered players, from below for players faster than 1×.
   */
  watchedTime: [number, number][];
  /** Seconds in `watchedTime`, or `null` in bytes only. */
  watchedSeconds: number | null;
  /** Seconds in `bufferedTime`, or `null` in bytes only. */
  bufferedSeconds: number | null;
  /** Jumps: requests that started away from the run of media the viewer was in. */
  seeks: number;
  /** Whether the viewer reached 95 % of the media's length. */
  completed: boolean;
  /** Where the viewer was last: the end of what the last run of requests reached, or `null`. */
  lastPosition: number | null;
}

/** Views of one day (UTC) in {@linkcode WatchLogSummary.viewsPerDay}. */
export interface DailyViews {
  /** The day, `YYYY-MM-DD` (UTC). */
  day: string;
  /** Viewings that began that day. */
  viewings: number;
  /** Distinct viewers among them. */
  uniqueViewers: number;
  /** Bytes sent by those viewings. */
  bytes: number;
  /** Seconds of media those viewings reached (viewings counted in bytes only add 0). */
  watchedSeconds: number;
}

/** One of the most viewed files in {@linkcode WatchLogSummary.topVideos}. */
export interface TopVideo {
  /** The file path. */
  path: string;
  /** Viewings of it. */
  viewings: number;
  /** Distinct viewers. */
  uniqueViewers: number;
  /** Bytes sent. */
  bytes: number;
  /** Average share of the file watched per viewing (0 to 1), or `null` when sizes are unknown. */
  averageWatchedShare: number | null;
  /** Seconds of it viewers reached, in all its viewings. */
  watchedSeconds: number;
  /** Share of its viewings with watch time that reached 95 % of it, or `null` without any. */
  completionRate: number | null;
}

/** Totals over the viewings matching a filter. */
export interface WatchLogSummary {
  /** Viewings. */
  viewings: number;
  /** Requests logged in those viewings. */
  requests: number;
  /** Distinct viewers (users, or address and user agent when anonymous). */
  uniqueViewers: number;
  /** Distinct authenticated users. */
  uniqueUsers: number;
  /** Bytes sent. */
  bytes: number;
  /** Average share of the file watched per viewing (0 to 1), or `null` when sizes are unknown. */
  averageWatchedShare: number | null;
  /** Per day (UTC), oldest first. */
  viewsPerDay: DailyViews[];
  /** The most viewed files, most viewings first. */
  topVideos: TopVideo[];
  /** Seconds of media reached, over all the viewings (those counted in bytes only add 0). */
  watchedSeconds: number;
  /** Share of the viewings with watch time that reached 95 % of the media, or `null` without any. */
  completionRate: number | null;
  /** The files watched longest, most seconds first. */
  topVideosByWatchTime: TopVideo[];
}

/** One part of a video in {@linkcode VideoReport.retention}. */
export interface RetentionPoint {
  /** Where the part starts, in seconds. */
  start: number;
  /** Where it ends, in seconds. */
  end: number;
  /** Viewings that reached its middle. */
  viewings: number;
  /** Share of the viewings with watch time that reached its middle (0 to 1). */
  share: number;
}

/** One part of a video in {@linkcode VideoReport.seekTargets}. */
export interface SeekTarget {
  /** Where the part starts, in seconds. */
  start: number;
  /** Where it ends, in seconds. */
  end: number;
  /** Seeks that landed in it. */
  seeks: number;
}

/**
 * Figures of one video over all its viewings, from summary tables the writer keeps up to date
 * in each write: cheap however many viewings there are.
 */
export interface VideoReport {
  /** The file path, as logged. */
  path: string;
  /** Viewings of it. */
  viewings: number;
  /** Those with watch time (the rest were counted in bytes only). */
  timedViewings: number;
  /** Distinct viewers. */
  uniqueViewers: number;
  /** The media's length in seconds (the latest seen), or `null` when no viewing had watch time. */
  duration: number | null;
  /** Seconds of it viewers reached, in all. */
  watchedSeconds: number;
  /** `watchedSeconds / timedViewings`, or `null` without timed viewings. */
  averageWatchedSeconds: number | null;
  /** Timed viewings that reached 95 % of it. */
  completed: number;
  /** `completed / timedViewings`, or `null` without timed viewings. */
  completionRate: number | null;
  /** Seeks in all its viewings. */
  seeks: number;
  /** The audience-retention curve: one point per 1 % of the duration (empty without a duration). */
  retention: RetentionPoint[];
  /** Where viewers seek to: one part per 1 % of the duration (empty without a duration). */
  seekTargets: SeekTarget[];
}

/** Read access to a watch log, for admin pages. */
export interface WatchLogQueries {
  /** Lists logged responses, newest first by default. */
  listEvents(options?: ListEventsOptions): Promise<WatchLogList<WatchEventRecord>>;
  /** Lists viewings, most recently started first by default. */
  listViewings(options?: ListViewingsOptions): Promise<WatchLogList<ViewingRecord>>;
  /** Counts views per day, top videos, unique viewers and bytes for the viewings matching. */
  summary(options?: SummaryOptions): Promise<WatchLogSummary>;
  /** One viewing by id, or `null`. */
  getViewing(id: number): Promise<ViewingRecord | null>;
  /** The figures of one video (its path exactly as logged), or `null` when it has no viewing. */
  videoReport(path: string): Promise<VideoReport | null>;
}

/** The watch logger returned by {@linkcode createWatchLogger}. */
export interface WatchLogger extends WatchLogQueries {
  /**
   * Queues one served response for writing. Never throws and never waits for the database:
   * pass it as `onServed`. Responses `shouldLog` rejects are ignored.
   */
  record(event: StreamEvent): void;
  /**
   * Writes one request now, bypassing the queue, for custom handlers that do not use
   * `onServed`. Rejects when the write fails.
   */
  logWatchRequest(entry: WatchRequestEntry): Promise<void>;
  /**
   * Writes everything queued or spooled so far; with nothing to write, opens and migrates the
   * database, so `await flush()` at start-up tells whether it can be reached. Rejects when the
   * database does not answer or refuses the write (events stay queued or spooled).
   */
  flush(): Promise<void>;
  /**
   * Stops accepting events, writes what is queued (retrying up to `closeTimeoutMs`), spools
   * what the database did not take, then closes the database if the logger opened it. Never
   * rejects; safe to call twice.
   */
  close(): Promise<void>;
  /** The current counters. */
  stats(): WatchLogStats;
  /**
   * A database client on this thread (opened on first use): the writer's own when it runs on
   * this thread, otherwise a connection of this thread's to the same database.
   */
  client(): Promise<WatchLogClient>;
}

/** Reported to `onError` when events were dropped because the queue was full. */
export class WatchLogDropError extends Error {
  /** How many events were dropped since the last report. */
  readonly count: number;
  /**
   * Creates the error.
   *
   * @param count How many events were dropped.
   * @param reason Why.
   */
  constructor(count: number, reason: string) {
    super(`Watch log dropped ${count} event${count === 1 ? "" : "s"}: ${reason}`);
    this.name = "WatchLogDropError";
    this.count = count;
  }
}

/**
 * A libSQL client, as `createClient()` from `@libsql/client` returns it. The public API names
 * only this much of its shape, so these docs do not depend on the driver's; pass (and get back)
 * the client itself.
 */
export interface WatchLogClient {
  /** The scheme the client speaks: `"file"`, `"libsql"`, `"http"`, `"https"`, `"ws"`, `"wss"`. */
  readonly protocol: string;
  /** Whether the client has been closed. */
  readonly closed: boolean;
  /** Closes the client. */
  close(): void;
}
