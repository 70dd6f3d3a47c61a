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
import type { EngineStats } from "./engine.ts";
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
  const config = _loggerConfig(options);
  const report = _guardedReporter(config.onError);
  const backend = _startBackend(config, report);
  const intake = new _Intake(backend, config, report);
  const query = <T>(name: QueryName, args: unknown[]): Promise<T> => backend.query(name, args) as Promise<T>;
  return {
    record: (event) => intake.record(event),
    flush: async () => {
      await intake.settled();
      await backend.flush();
    },
    close: () => intake.close(),
    logWatchRequest: (entry) => _writeNow(backend, entry),
    stats: () => _loggerStats(backend.stats(), intake),
    client: () => backend.client(),
    listEvents: (o) => query("listEvents", [o]),
    listViewings: (o) => query("listViewings", [o]),
    summary: (o) => query("summary", [o]),
    getViewing: (id) => query("getViewing", [id]),
    videoReport: (path) => query("videoReport", [path]),
  };
}

/**
 * Writes one watch request now through `logger`, bypassing the queue: for custom handlers that
 * do not use `onServed`.
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

/** The options, checked, with their defaults: what the logger and its write loop run on. */
interface _LoggerConfig {
  settings: EngineSettings;
  inWorker: boolean;
  client: Client | undefined;
  identify: WatchLoggerOptions["identify"];
  shouldLog: (event: StreamEvent) => boolean;
  onError: (error: unknown) => void;
}

/**
 * Sets the defaults (the `@default` of each {@linkcode WatchLoggerOptions} field) and checks
 * every option.
 *
 * @throws {RangeError} When a count or duration option is out of range.
 * @throws {TypeError} When `url` or `spoolPath` is not a usable string, or a given `client`
 *   would have to move to a worker.
 */
function _loggerConfig(options: WatchLoggerOptions): _LoggerConfig {
  const {
    url = DEFAULT_WATCH_LOG_URL,
    authToken,
    client,
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
  if (client === undefined && (typeof url !== "string" || url === "")) {
    throw new TypeError('Cannot create watch logger: "url" must be a non-empty string');
  }
  _checkCount(batchSize, "batchSize", 1);
  _checkCount(maxQueue, "maxQueue", batchSize);
  _checkCount(spoolMaxEvents, "spoolMaxEvents", 1);
  _checkDurations({ idleWindowMs, flushIntervalMs, retryBaseMs, retryMaxMs, busyTimeoutMs, closeTimeoutMs });
  const inWorker = options.inWorker ?? (client === undefined && !url.includes(":memory:"));
  if (inWorker && client !== undefined) {
    throw new TypeError(
      'Cannot create watch logger: a given "client" cannot move to a worker; set inWorker: false',
    );
  }
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
  return { settings, inWorker, client: client as Client | undefined, identify, shouldLog, onError };
}

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

/** `onError`, made safe to call from the writer: what it throws is swallowed. */
function _guardedReporter(onError: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      onError(error);
    } catch {
      // the error hook must not break the writer
    }
  };
}

/** Starts the write loop: in a worker thread, or on this thread for a given client or `:memory:`. */
function _startBackend(config: _LoggerConfig, report: (error: unknown) => void): Backend {
  const { settings } = config;
  if (config.inWorker) return new WorkerBackend(settings, report);
  return new LocalBackend({
    ...settings,
    connection: { ...settings.connection, client: config.client, onNotice: (m) => report(new Error(m)) },
    report,
  });
}

/**
 * The serving thread's side of the logger: filters served responses, waits for their identity
 * when `identify` is async, and hands the events to the write loop; after `close()`, counts
 * what still arrives as dropped.
 */
class _Intake {
  readonly #backend: Backend;
  readonly #shouldLog: (event: StreamEvent) => boolean;
  readonly #identify: WatchLoggerOptions["identify"];
  readonly #report: (error: unknown) => void;
  readonly #identifying = new Set<Promise<void>>();
  #closing: Promise<void> | null = null;
  #droppedAfterClose = 0;

  constructor(backend: Backend, config: _LoggerConfig, report: (error: unknown) => void) {
    this.#backend = backend;
    this.#shouldLog = config.shouldLog;
    this.#identify = config.identify;
    this.#report = report;
  }

  /** Events waiting for their identity. */
  get identifying(): number {
    return this.#identifying.size;
  }

  /** Events recorded after `close()`. */
  get droppedAfterClose(): number {
    return this.#droppedAfterClose;
  }

  /** Never throws: a failure is reported to `onError`, later. */
  record(event: StreamEvent): void {
    try {
      if (this.#closing !== null) {
        this.#dropAfterClose();
        return;
      }
      if (!this.#shouldLog(event)) return;
      const identity = this.#identify === undefined ? ANONYMOUS : this.#identify(event.request);
      if (identity instanceof Promise) this.#addOnceIdentified(event, identity);
      else this.#backend.add([eventFromServed(event, identity ?? ANONYMOUS)]);
    } catch (error) {
      queueMicrotask(() => this.#report(error));
    }
  }

  /** Resolves when every event recorded so far has its identity and is with the write loop. */
  async settled(): Promise<void> {
    await Promise.all(this.#identifying);
  }

  /** Stops taking events, then closes the write loop; the same promise on every call. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.settled();
      await this.#backend.close();
    })();
    return this.#closing;
  }

  #dropAfterClose(): void {
    // reported once: a handler still serving after close() would otherwise flood onError
    if (this.#droppedAfterClose++ === 0) this.#report(new WatchLogDropError(1, "the logger was closed"));
  }

  #addOnceIdentified(event: StreamEvent, pending: Promise<WatchIdentity>): void {
    const done: Promise<void> = pending
      .catch((error) => (this.#report(error), ANONYMOUS))
      .then((identity) => this.#backend.add([eventFromServed(event, identity ?? ANONYMOUS)]))
      .finally(() => this.#identifying.delete(done));
    this.#identifying.add(done);
  }
}

/** Writes one entry now; a bad entry rejects rather than throws. */
function _writeNow(backend: Backend, entry: WatchRequestEntry): Promise<void> {
  try {
    return backend.writeNow([eventFromEntry(entry)]);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The write loop's counters, with what the serving thread holds or dropped added. */
function _loggerStats(s: EngineStats, intake: _Intake): WatchLogStats {
  return {
    queued: s.queued + intake.identifying,
    spooled: s.spooled,
    written: s.written,
    retried: s.retried,
    dropped: s.dropped + intake.droppedAfterClose,
    failedWrites: s.failedWrites,
    available: s.available,
  };
}
