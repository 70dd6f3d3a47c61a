/**
 * `createWatchLogger()`: records every served response to libSQL without slowing the response:
 * events are mapped on the serving thread (a few strings, no `Request` kept) and written by a
 * loop in a worker thread, in batches, with retries, through a durable spool when the
 * database cannot take them.
 *
 * @module
 */

import type { Client } from "@libsql/client";
import type { StreamEvent } from "../serve/serve_stream.ts";
import { type Backend, type EngineSettings, LocalBackend, type QueryName, WorkerBackend } from "./backend.ts";
import { databaseFilePath } from "./connection.ts";
import { ANONYMOUS, eventFromEntry, eventFromServed } from "./event.ts";
import {
  type WatchIdentity,
  WatchLogDropError,
  type WatchLogger,
  type WatchLoggerOptions,
  type WatchLogStats,
  type WatchRequestEntry,
} from "./types.ts";

export { STORED_STRING_LIMITS } from "./event.ts";

/** The default database: an embedded libSQL file in the working directory. */
export const DEFAULT_WATCH_LOG_URL = "file:watch-log.db";

/** The spool used for a libSQL server when `spoolPath` is not given. */
export const DEFAULT_REMOTE_SPOOL_PATH = "watch-log-spool.db";

function _defaultShouldLog(e: StreamEvent): boolean {
  return e.request.method === "GET" && (e.status === 200 || e.status === 206);
}

function _defaultOnError(error: unknown): void {
  console.error("watch log:", error instanceof Error ? `${error.name}: ${error.message}` : error);
}

function _checkCount(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Cannot create watch logger: "${name}" must be an integer of at least ${min}`);
  }
}

function _checkDurations(durations: Record<string, number>): void {
  for (const [name, value] of Object.entries(durations)) {
    if (typeof value !== "number" || !(value >= 0) || value === Infinity) {
      throw new RangeError(`Cannot create watch logger: "${name}" must be a non-negative number`);
    }
  }
}

/** The spool's path: given, beside an embedded file, in the working directory for a server, or none. */
function _spoolPath(options: WatchLoggerOptions, url: string): string | null {
  if (options.spoolPath !== undefined) {
    if (options.spoolPath !== null && (typeof options.spoolPath !== "string" || options.spoolPath === "")) {
      throw new TypeError('Cannot create watch logger: "spoolPath" must be a non-empty string or null');
    }
    return options.spoolPath;
  }
  if (options.client !== undefined || url.includes(":memory:")) return null;
  const file = databaseFilePath(url);
  return file === null ? DEFAULT_REMOTE_SPOOL_PATH : `${file}-spool`;
}

/**
 * Creates a watch logger: pass `logger.record` as `onServed` and every served response is
 * written to libSQL, grouped into viewings, off the response path.
 *
 * `record()` maps the event to a few strings and numbers and hands it to the writer, which
 * runs in a worker thread: no database call, retry or busy wait ever runs on the thread that
 * serves requests. The writer drains its queue in batched transactions (every
 * `flushIntervalMs`, or at once when `batchSize` events wait). When the database is down,
 * locked, read-only, deleted or unreachable, the events go to a local spool file
 * (`spoolPath`) and are delivered from there, once, when the database is back; retries use
 * exponential backoff up to `retryMaxMs`. `close()` writes what is left, retrying until
 * `closeTimeoutMs`, and spools the rest, so call it on shutdown.
 *
 * The tables are created (and migrated) on first write, and again if the file is replaced.
 * Embedded files use WAL mode and a short busy timeout, so several processes can share one.
 *
 * @param options The database and the tuning, see {@linkcode WatchLoggerOptions}.
 * @returns The logger, which also answers the admin queries (see `createWatchLogQueries`).
 * @throws {RangeError} When a count or duration option is out of range.
 * @throws {TypeError} When `url` or `spoolPath` is not a usable string.
 *
 * @example Usage
 * ```ts
 * import { serveStream } from "@sage/stream";
 * import { createWatchLogger } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(tmpdir(), "example.mp4");
 * writeFileSync(path, new Uint8Array(1000));
 * const logger = createWatchLogger({ url: ":memory:" });
 * const req = new Request("http://localhost/", { headers: { range: "bytes=0-99" } });
 * const res = await serveStream(req, { path, onServed: (e) => logger.record(e) });
 * assert.equal((await res.arrayBuffer()).byteLength, 100);
 * await logger.flush();
 * assert.equal(logger.stats().written, 1);
 * await logger.close();
 * ```
 */
export function createWatchLogger(options: WatchLoggerOptions = {}): WatchLogger {
  const {
    url = DEFAULT_WATCH_LOG_URL,
    authToken,
    client: givenClient,
    identify,
    shouldLog = _defaultShouldLog,
    idleWindowMs = 30 * 60 * 1000,
    batchSize = 200,
    flushIntervalMs = 1000,
    maxQueue = 10_000,
    retryBaseMs = 250,
    retryMaxMs = 2000,
    busyTimeoutMs = 100,
    closeTimeoutMs = 10_000,
    spoolMaxEvents = 1_000_000,
    onError = _defaultOnError,
  } = options;
  if (givenClient === undefined && (typeof url !== "string" || url === "")) {
    throw new TypeError('Cannot create watch logger: "url" must be a non-empty string');
  }
  _checkCount(batchSize, "batchSize", 1);
  _checkCount(maxQueue, "maxQueue", batchSize);
  _checkCount(spoolMaxEvents, "spoolMaxEvents", 1);
  _checkDurations({ idleWindowMs, flushIntervalMs, retryBaseMs, retryMaxMs, busyTimeoutMs, closeTimeoutMs });
  const inWorker = options.inWorker ?? (givenClient === undefined && !url.includes(":memory:"));
  if (inWorker && givenClient !== undefined) {
    throw new TypeError(
      'Cannot create watch logger: a given "client" cannot move to a worker; set inWorker: false',
    );
  }

  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // the error hook must not break the writer
    }
  };
  const settings: EngineSettings = {
    connection: { url, authToken, busyTimeoutMs },
    spoolPath: _spoolPath(options, url),
    spoolMaxEvents,
    idleWindowMs,
    batchSize,
    flushIntervalMs,
    maxQueue,
    retryBaseMs,
    retryMaxMs,
    closeTimeoutMs,
  };
  const backend: Backend = inWorker ? new WorkerBackend(settings, report) : new LocalBackend({
    ...settings,
    connection: {
      ...settings.connection,
      client: givenClient as Client | undefined,
      onNotice: (m) => report(new Error(m)),
    },
    report,
  });

  let closing: Promise<void> | null = null;
  let droppedAfterClose = 0;
  const identifying = new Set<Promise<void>>();

  const identifyThenAdd = (event: StreamEvent, pending: Promise<WatchIdentity>): void => {
    const done: Promise<void> = pending
      .catch((error) => (report(error), ANONYMOUS))
      .then((identity) => backend.add([eventFromServed(event, identity ?? ANONYMOUS)]))
      .finally(() => identifying.delete(done));
    identifying.add(done);
  };

  const record = (event: StreamEvent): void => {
    try {
      if (closing !== null) {
        // reported once: a handler still serving after close() would otherwise flood onError
        if (droppedAfterClose++ === 0) report(new WatchLogDropError(1, "the logger was closed"));
        return;
      }
      if (!shouldLog(event)) return;
      const identity = identify === undefined ? ANONYMOUS : identify(event.request);
      if (identity instanceof Promise) identifyThenAdd(event, identity);
      else backend.add([eventFromServed(event, identity ?? ANONYMOUS)]);
    } catch (error) {
      queueMicrotask(() => report(error));
    }
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(identifying);
      await backend.close();
    })();
    return closing;
  };

  const logWatchRequest = (entry: WatchRequestEntry): Promise<void> => {
    try {
      return backend.writeNow([eventFromEntry(entry)]);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const stats = (): WatchLogStats => {
    const s = backend.stats();
    return {
      queued: s.queued + identifying.size,
      spooled: s.spooled,
      written: s.written,
      retried: s.retried,
      dropped: s.dropped + droppedAfterClose,
      failedWrites: s.failedWrites,
      available: s.available,
    };
  };

  const query = <T>(name: QueryName, args: unknown[]): Promise<T> => backend.query(name, args) as Promise<T>;

  return {
    record,
    flush: async () => {
      await Promise.all(identifying);
      await backend.flush();
    },
    close,
    logWatchRequest,
    stats,
    client: () => backend.client(),
    listEvents: (o) => query("listEvents", [o]),
    listViewings: (o) => query("listViewings", [o]),
    summary: (o) => query("summary", [o]),
    getViewing: (id) => query("getViewing", [id]),
  };
}

/**
 * Writes one watch request now through `logger`: the original `log_watch_request(video_path,
 * is_authenticated, ip, user)`, for custom handlers that do not use `onServed`.
 *
 * @param logger The logger to write with.
 * @param entry What was watched, by whom.
 * @returns A promise that settles when the row is written (rejects when it cannot be).
 *
 * @example Usage
 * ```ts
 * import { createWatchLogger, logWatchRequest } from "@sage/stream/watch-log";
 *
 * const logger = createWatchLogger({ url: ":memory:" });
 * await logWatchRequest(logger, { path: "movie.mp4", userId: "42", clientIp: "10.0.0.1" });
 * await logger.close();
 * ```
 */
export function logWatchRequest(logger: WatchLogger, entry: WatchRequestEntry): Promise<void> {
  return logger.logWatchRequest(entry);
}
