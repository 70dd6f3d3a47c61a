/**
 * The admin's reads of the watch log, each bounded in time: a read that fails or does not
 * answer in time becomes a {@linkcode WatchLogUnavailableError}, which the routes answer with
 * a "watch log unavailable" state below 500 instead of a 5xx or a hanging page.
 *
 * @module
 */

import type {
  VideoReport,
  ViewingRecord,
  WatchEventRecord,
  WatchLogList,
  WatchLogQueries,
  WatchLogStats,
  WatchLogSummary,
} from "../watch_log/types.ts";
import { type AdminQuery, EVENT_SORTS, VIEWING_SORTS } from "./query.ts";
import type { MediaSummaryLookup } from "../endpoint/media_summary.ts";
import type { MediaSummary } from "../media/describe.ts";

/** Why a read gave up: the database failed, or did not answer within the timeout. */
export type UnavailableReason = "failed" | "timeout";

// Only a code such as SQLITE_NOTADB or ECONNREFUSED leaves the error's message: the rest may
// quote the database URL, with its authToken parameter (libSQL's URL_INVALID does).
const CODE_REGEXP = /^([A-Z][A-Z0-9_]{2,39}):/;
const NAME_REGEXP = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/**
 * A short cause, safe to show in a page: the error's code (`SQLITE_NOTADB`, `SQLITE_BUSY`,
 * `ECONNREFUSED`) where its message starts with one, else its class name, never its text.
 *
 * @param error What the read rejected with.
 * @returns The cause.
 */
export function shortCause(error: unknown): string {
  if (!(error instanceof Error)) return "Error";
  const code = CODE_REGEXP.exec(String(error.message))?.[1];
  if (code !== undefined) return code;
  return NAME_REGEXP.test(error.name) ? error.name : "Error";
}

/** A read of the watch log that failed or timed out; its message holds no database text. */
export class WatchLogUnavailableError extends Error {
  /** Failed or timed out. */
  readonly reason: UnavailableReason;
  /** `"timeout"` or {@linkcode shortCause} of the failure: safe to show. */
  readonly shortCause: string;
  /**
   * Creates the error.
   *
   * @param reason Failed or timed out.
   * @param shortCause What to show as the cause.
   * @param error The original error, kept as `cause` for `onQueryError` (not safe to show).
   */
  constructor(reason: UnavailableReason, shortCause: string, error: unknown) {
    super(`watch log unavailable (${shortCause})`, { cause: error });
    this.name = "WatchLogUnavailableError";
    this.reason = reason;
    this.shortCause = shortCause;
  }
}

/**
 * Runs `read`, waiting for it at most `timeoutMs`. The read is not cancelled on timeout (the
 * queries take no signal); its late answer or error is ignored.
 *
 * @param read The query.
 * @param timeoutMs The longest wait, in ms.
 * @returns What `read` resolved with.
 * @throws {WatchLogUnavailableError} When `read` rejects, throws, or takes longer.
 */
export async function readWithin<T>(read: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`the watch log did not answer within ${timeoutMs} ms`);
      error.name = "TimeoutError";
      reject(new WatchLogUnavailableError("timeout", "timeout", error));
    }, timeoutMs);
  });
  try {
    return await Promise.race([(async () => await read())(), timeout]);
  } catch (error) {
    if (error instanceof WatchLogUnavailableError) throw error;
    throw new WatchLogUnavailableError("failed", shortCause(error), error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The logger's counters when `queries` is a watch logger (read-only queries have none), or
 * `null`. Never throws: the counters are for display only.
 *
 * @param queries What the admin reads from.
 * @returns The counters, or `null`.
 */
export function loggerStats(queries: WatchLogQueries): WatchLogStats | null {
  const stats = (queries as { stats?: unknown }).stats;
  if (typeof stats !== "function") return null;
  try {
    return stats.call(queries) as WatchLogStats;
  } catch {
    return null;
  }
}

/** Which rows of a listing to read: `limit` rows from row `offset`. */
export interface RowWindow {
  /** The first row, from 0. */
  offset: number;
  /** Most rows. */
  limit: number;
}

/** A viewing as the admin lists it: with what the media index says of its file, when asked. */
export type AdminViewing = ViewingRecord & {
  /** The file's duration, picture size and codecs; `null` when unknown; absent without `mediaInfo`. */
  media?: MediaSummary | null;
};

/** A video's figures as the admin shows them: with what the media index says of its file, when asked. */
export type AdminVideoReport = VideoReport & {
  /** The file's duration, picture size and codecs; `null` when unknown; absent without `mediaInfo`. */
  media?: MediaSummary | null;
};

/** What the admin reads, each read bounded in time; made by {@linkcode createAdminReads}. */
export interface AdminReads {
  /** The dashboard's counts for the query's filter. */
  summary(q: AdminQuery): Promise<WatchLogSummary>;
  /** The viewings matching the query: its page, or the rows of `window`, with their media when known. */
  viewings(q: AdminQuery, window?: RowWindow): Promise<WatchLogList<AdminViewing>>;
  /** The requests matching the query: its page, or the rows of `window`. */
  events(q: AdminQuery, window?: RowWindow): Promise<WatchLogList<WatchEventRecord>>;
  /** The figures of the video at `path` (exactly as logged), with its media when known, or `null`. */
  video(path: string): Promise<AdminVideoReport | null>;
  /** The logger's counters, or `null`; see {@linkcode loggerStats}. */
  stats(): WatchLogStats | null;
}

/**
 * `items` with the media of each one's path: each path looked up once, each lookup given at
 * most `timeoutMs` (a slow disk shows no media rather than holding the page).
 */
async function withMedia(
  items: readonly ViewingRecord[],
  mediaInfo: MediaSummaryLookup,
  timeoutMs: number,
): Promise<AdminViewing[]> {
  const paths = [...new Set(items.map((item) => item.path))];
  const found = await Promise.all(paths.map((path) => mediaWithin(mediaInfo, path, timeoutMs)));
  const byPath = new Map(paths.map((path, i) => [path, found[i]]));
  return items.map((item) => ({ ...item, media: byPath.get(item.path) ?? null }));
}

/** What `mediaInfo` says of `path`, or `null` when it fails or takes longer than `timeoutMs`. */
async function mediaWithin(
  mediaInfo: MediaSummaryLookup,
  path: string,
  timeoutMs: number,
): Promise<MediaSummary | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs));
  try {
    return await Promise.race([mediaInfo(path).catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rows of the query's page. */
function pageWindow(q: AdminQuery): RowWindow {
  return { offset: (q.page - 1) * q.limit, limit: q.limit };
}

/** The list options of a query: its filter, its sort when the list takes it, its order and rows. */
function listOptions<S extends string>(q: AdminQuery, sorts: readonly S[], window: RowWindow) {
  const sort = sorts.includes(q.sort as S) ? q.sort as S : undefined;
  return { ...q.filter, sort, order: q.order, ...window };
}

/**
 * The admin's reads of `queries`, each waiting at most `timeoutMs` ({@linkcode readWithin});
 * a read that gives up is handed to `onQueryError`, then thrown.
 *
 * @param queries What the admin reads from.
 * @param timeoutMs The longest wait for each read, in ms.
 * @param onQueryError Receives the error of each read that gave up; what it throws is ignored.
 * @param mediaInfo What the media index says of a path, to add to each viewing; none: nothing added.
 * @returns The reads.
 */
export function createAdminReads(
  queries: WatchLogQueries,
  timeoutMs: number,
  onQueryError: (error: WatchLogUnavailableError) => void,
  mediaInfo?: MediaSummaryLookup,
): AdminReads {
  async function read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await readWithin(query, timeoutMs);
    } catch (error) {
      try {
        onQueryError(error as WatchLogUnavailableError);
      } catch {
        // the hook must not turn an "unavailable" answer into a 500
      }
      throw error;
    }
  }
  return {
    summary: (q) => read(() => queries.summary(q.filter)),
    viewings: async (q, window = pageWindow(q)) => {
      const list = await read(() => queries.listViewings(listOptions(q, VIEWING_SORTS, window)));
      return mediaInfo === undefined
        ? list
        : { ...list, items: await withMedia(list.items, mediaInfo, timeoutMs) };
    },
    events: (q, window = pageWindow(q)) =>
      read(() => queries.listEvents(listOptions(q, EVENT_SORTS, window))),
    video: async (path) => {
      const report = await read(() => queries.videoReport(path));
      if (report === null || mediaInfo === undefined) return report;
      return { ...report, media: await mediaWithin(mediaInfo, path, timeoutMs) };
    },
    stats: () => loggerStats(queries),
  };
}
