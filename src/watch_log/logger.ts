/**
 * `createWatchLogger()`: records every served response to libSQL without slowing the response,
 * in batches, with retries, and without losing events on a normal shutdown.
 *
 * @module
 */

import { type Client, createClient } from "@libsql/client";
import type { StreamEvent } from "../serve_stream.ts";
import { createWatchLogQueries } from "./queries.ts";
import { migrateWatchLog } from "./schema.ts";
import {
  type WatchIdentity,
  WatchLogDropError,
  type WatchLogger,
  type WatchLoggerOptions,
  type WatchLogQueries,
  type WatchLogStats,
  type WatchRequestEntry,
} from "./types.ts";
import { servedIntervals, viewerKey } from "./viewings.ts";
import { type PreparedEvent, writeEvents } from "./writer.ts";

/** The default database: an embedded libSQL file in the working directory. */
export const DEFAULT_WATCH_LOG_URL = "file:watch-log.db";

const ANONYMOUS: WatchIdentity = { userId: null, authenticated: false };

function _defaultShouldLog(e: StreamEvent): boolean {
  return e.request.method === "GET" && (e.status === 200 || e.status === 206);
}

function _defaultOnError(error: unknown): void {
  console.error("watch log:", error);
}

/** A FIFO with O(1) push and shift (amortized), for the event queue. */
class _Queue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

function _checkCount(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Cannot create watch logger: "${name}" must be an integer of at least ${min}`);
  }
}

/**
 * The longest client-controlled strings stored, in UTF-16 code units: a request can carry a
 * 60 KB `User-Agent`, which would cost the database that much per event and viewing.
 */
export const STORED_STRING_LIMITS: Readonly<
  { path: number; userAgent: number; clientIp: number; userId: number }
> = {
  path: 1024,
  userAgent: 512,
  clientIp: 64,
  userId: 256,
};

/** `text` cut to `max` code units, never in the middle of a surrogate pair. */
function _cap(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function _prepare(
  base: Omit<PreparedEvent, "viewerKey" | "userId" | "authenticated">,
  identity: WatchIdentity,
): PreparedEvent {
  const limits = STORED_STRING_LIMITS;
  const userId = _cap(identity.userId ?? null, limits.userId);
  const clientIp = _cap(base.clientIp, limits.clientIp);
  const userAgent = _cap(base.userAgent, limits.userAgent);
  return {
    ...base,
    path: _cap(base.path, limits.path)!,
    clientIp,
    userAgent,
    userId,
    authenticated: identity.authenticated === true,
    viewerKey: viewerKey(userId, clientIp, userAgent),
  };
}

function _fromStreamEvent(e: StreamEvent): Omit<PreparedEvent, "viewerKey" | "userId" | "authenticated"> {
  const startedAt = e.startedAt.getTime();
  const { ranges } = e;
  return {
    startedAt,
    endedAt: startedAt + e.durationMs,
    path: e.path,
    clientIp: e.clientAddress,
    userAgent: e.request.headers.get("user-agent"),
    status: e.status,
    fileSize: e.size,
    rangeStart: ranges.length ? Math.min(...ranges.map((r) => r.start)) : null,
    rangeEnd: ranges.length ? Math.max(...ranges.map((r) => r.end)) : null,
    rangeCount: ranges.length,
    bytesPlanned: e.bytesPlanned,
    bytesDelivered: e.bytesDelivered,
    durationMs: e.durationMs,
    aborted: e.aborted,
    covered: servedIntervals(ranges, e.bytesDelivered),
  };
}

/**
 * Creates a watch logger: pass `logger.record` as `onServed` and every served response is
 * written to libSQL, grouped into viewings, off the response path.
 *
 * `record()` only pushes the event on a bounded in-memory queue. A writer drains the queue in
 * batched transactions (every `flushIntervalMs`, or at once when `batchSize` events wait),
 * calling `identify` on the way. When the database is down, locked, read-only or unreachable,
 * events stay queued and the write is retried with exponential backoff; when the queue is full
 * the oldest events are dropped, counted and reported to `onError`. `close()` writes what is
 * left, so call it on shutdown.
 *
 * The tables are created (and later migrated) on first write. Embedded files use WAL mode and
 * a short busy timeout, so several processes can share one file.
 *
 * @param options The database and the tuning, see {@linkcode WatchLoggerOptions}.
 * @returns The logger, which also answers the admin queries (see `createWatchLogQueries`).
 * @throws {RangeError} When a count or duration option is out of range.
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
    retryMaxMs = 30_000,
    busyTimeoutMs = 100,
    closeTimeoutMs = 10_000,
    onError = _defaultOnError,
  } = options;
  if (givenClient === undefined && (typeof url !== "string" || url === "")) {
    throw new TypeError('Cannot create watch logger: "url" must be a non-empty string');
  }
  _checkCount(batchSize, "batchSize", 1);
  _checkCount(maxQueue, "maxQueue", batchSize);
  for (
    const [name, value] of Object.entries({
      idleWindowMs,
      flushIntervalMs,
      retryBaseMs,
      retryMaxMs,
      busyTimeoutMs,
      closeTimeoutMs,
    })
  ) {
    if (typeof value !== "number" || !(value >= 0) || value === Infinity) {
      throw new RangeError(`Cannot create watch logger: "${name}" must be a non-negative number`);
    }
  }

  // Raw events from record(), and prepared ones put back after a failed write (older, first).
  const queue = new _Queue<StreamEvent>();
  let retry: PreparedEvent[] = [];
  let inflight = 0;
  const counters = { written: 0, retried: 0, dropped: 0, failedWrites: 0 };
  let unreportedDrops = 0;
  let failures = 0; // consecutive
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerDue = Infinity;
  let closed = false;
  let closing: Promise<void> | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  // The writer's client. An owned embedded one has a single connection (writes are serial),
  // so its per-connection settings hold: WAL with synchronous=NORMAL commits without an fsync
  // (durable across app crashes, not power loss), which keeps the event loop from stalling.
  let client: Client | null = (givenClient as Client | undefined) ?? null;
  let ready: Promise<Client> | null = null;
  const tune = async (c: Client): Promise<void> => {
    if (givenClient === undefined && c.protocol === "file") await c.execute("PRAGMA synchronous = NORMAL");
  };
  const open = (): Promise<Client> => {
    ready ??= (async () => {
      client ??= createClient({ url, authToken, timeout: busyTimeoutMs, concurrency: 1 });
      await migrateWatchLog(client);
      await tune(client);
      return client;
    })();
    ready.catch(() => ready = null); // try again on the next write
    return ready;
  };
  // Queries get their own client when the logger owns the database, so reads never wait for
  // (or are refused by) the writer's single connection.
  let readClient: Client | null = (givenClient as Client | undefined) ?? null;
  const openRead = async (): Promise<Client> => {
    const writer = await open();
    if (writer.protocol !== "file" || url.includes(":memory:")) return writer; // one database per connection
    readClient ??= createClient({ url, authToken, timeout: busyTimeoutMs });
    return readClient;
  };

  /**
   * After a failed write, reopens the connections of an embedded client this logger owns: the
   * libsql driver leaves a statement that failed with SQLITE_BUSY active on its connection, and
   * every later COMMIT there fails ("SQL statements in progress").
   */
  const resetConnections = async (): Promise<void> => {
    if (givenClient !== undefined || client === null || client.protocol !== "file") return;
    try {
      await client.reconnect();
      await tune(client);
    } catch {
      // the next write reports the real problem
    }
  };

  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // the error hook must not break the writer
    }
  };

  const pending = (): number => retry.length + queue.length;

  /** Drops the oldest events beyond `maxQueue` (the retry list first: it is older). */
  const dropOldest = (): void => {
    let excess = pending() + inflight - maxQueue;
    if (excess <= 0) return;
    const fromRetry = Math.min(excess, retry.length);
    if (fromRetry) retry = retry.slice(fromRetry);
    let n = fromRetry;
    for (excess -= fromRetry; excess > 0 && queue.length; excess--, n++) queue.shift();
    counters.dropped += n;
    unreportedDrops += n;
  };

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => {});
    return run;
  };

  const backoff = (): number => {
    const ms = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(failures - 1, 30));
    return ms / 2 + Math.random() * ms / 2;
  };

  const identifyOne = async (request: Request): Promise<WatchIdentity> => {
    if (identify === undefined) return ANONYMOUS;
    try {
      const result = identify(request);
      return (result instanceof Promise ? await result : result) ?? ANONYMOUS;
    } catch (error) {
      report(error);
      return ANONYMOUS;
    }
  };

  /** Writes one batch (retry list first). Returns the error, or null when written. */
  const writeBatch = async (): Promise<unknown> => {
    const batch = retry.length > batchSize ? retry.slice(0, batchSize) : retry;
    retry = retry.length > batchSize ? retry.slice(batchSize) : [];
    inflight = batch.length;
    while (batch.length < batchSize && queue.length) {
      const event = queue.shift()!;
      inflight++;
      batch.push(_prepare(_fromStreamEvent(event), await identifyOne(event.request)));
    }
    try {
      await writeEvents(await open(), batch, idleWindowMs);
      counters.written += batch.length;
      failures = 0;
      return null;
    } catch (error) {
      await resetConnections();
      failures++;
      counters.failedWrites++;
      counters.retried += batch.length;
      retry = batch.concat(retry);
      return error;
    } finally {
      inflight = 0;
      dropOldest(); // events recorded while writing may have overfilled the queue
    }
  };

  const reportDrops = (): void => {
    if (unreportedDrops > 0) {
      const n = unreportedDrops;
      unreportedDrops = 0;
      report(new WatchLogDropError(n, "the queue was full"));
    }
  };

  const schedule = (delay: number): void => {
    if (closed) return;
    const due = Date.now() + delay;
    if (timer !== null) {
      if (due >= timerDue) return;
      clearTimeout(timer);
    }
    timerDue = due;
    timer = setTimeout(() => {
      timer = null;
      timerDue = Infinity;
      void serial(drain);
    }, delay);
  };

  /** Background drain: writes everything queued; on failure, schedules a retry. */
  const drain = async (): Promise<void> => {
    reportDrops();
    while (pending() > 0) {
      const error = await writeBatch();
      reportDrops();
      if (error !== null) {
        report(error);
        schedule(backoff());
        return;
      }
    }
  };

  const record = (event: StreamEvent): void => {
    try {
      if (closed) {
        counters.dropped++;
        unreportedDrops++;
        return;
      }
      if (!shouldLog(event)) return;
      queue.push(event);
      if (pending() + inflight > maxQueue) {
        queue.shift();
        counters.dropped++;
        unreportedDrops++;
      }
      if (timer === null) schedule(flushIntervalMs);
      else if (queue.length >= batchSize && failures === 0) schedule(0);
    } catch (error) {
      queueMicrotask(() => report(error));
    }
  };

  const flush = (): Promise<void> =>
    serial(async () => {
      // only what was queued when flush() was called, so it ends under constant load
      let remaining = pending();
      while (remaining > 0 && pending() > 0) {
        const before = pending();
        const error = await writeBatch();
        reportDrops();
        if (error !== null) {
          schedule(backoff());
          throw error;
        }
        remaining -= before - pending();
      }
    });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await serial(async () => {
        const deadline = Date.now() + closeTimeoutMs;
        while (pending() > 0) {
          const error = await writeBatch();
          if (error === null) continue;
          report(error);
          const wait = backoff();
          if (Date.now() + wait > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const lost = pending();
        if (lost > 0) {
          counters.dropped += lost;
          unreportedDrops += lost;
          retry = [];
          queue.clear();
        }
        if (unreportedDrops > 0) {
          const n = unreportedDrops;
          unreportedDrops = 0;
          report(
            new WatchLogDropError(
              n,
              lost > 0 ? "the database could not be written before close" : "the logger was closed",
            ),
          );
        }
      }).catch(report);
      if (givenClient === undefined) {
        client?.close();
        readClient?.close();
      }
    })();
    return closing;
  };

  const logWatchRequest = (entry: WatchRequestEntry): Promise<void> => {
    if (typeof entry?.path !== "string" || entry.path === "") {
      return Promise.reject(new TypeError('Cannot log watch request: "path" must be a non-empty string'));
    }
    const at = (entry.at ?? new Date()).getTime();
    const ranges = entry.ranges ?? [];
    const planned = entry.bytes ?? ranges.reduce((n, r) => n + r.end - r.start + 1, 0);
    const userId = entry.userId ?? null;
    const prepared = _prepare({
      startedAt: at,
      endedAt: at + (entry.durationMs ?? 0),
      path: entry.path,
      clientIp: entry.clientIp ?? null,
      userAgent: entry.userAgent ?? entry.request?.headers.get("user-agent") ?? null,
      status: entry.status ?? 200,
      fileSize: entry.size ?? null,
      rangeStart: ranges.length ? Math.min(...ranges.map((r) => r.start)) : null,
      rangeEnd: ranges.length ? Math.max(...ranges.map((r) => r.end)) : null,
      rangeCount: ranges.length,
      bytesPlanned: planned,
      bytesDelivered: entry.bytes ?? null,
      durationMs: entry.durationMs ?? 0,
      aborted: entry.aborted ?? false,
      covered: servedIntervals(ranges, entry.bytes ?? null),
    }, { userId, authenticated: entry.authenticated ?? userId !== null });
    return serial(async () => {
      try {
        await writeEvents(await open(), [prepared], idleWindowMs);
      } catch (error) {
        await resetConnections();
        throw error;
      }
      counters.written++;
    });
  };

  let queries: WatchLogQueries | null = null;
  const query = async (): Promise<WatchLogQueries> => (queries ??= createWatchLogQueries(await openRead()));

  return {
    record,
    flush,
    close,
    logWatchRequest,
    stats: (): WatchLogStats => ({ queued: pending() + inflight, ...counters }),
    client: open,
    listEvents: async (o) => (await query()).listEvents(o),
    listViewings: async (o) => (await query()).listViewings(o),
    summary: async (o) => (await query()).summary(o),
    getViewing: async (id) => (await query()).getViewing(id),
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
