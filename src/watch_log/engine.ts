/**
 * The write loop: takes events from the queue (and, first, from the spool), writes them in
 * batches, and on failure keeps them in the spool and retries with backoff. It runs wherever
 * the logger puts it: in a worker thread by default, so the driver's waits never hold up a
 * response, or on the caller's thread for a client the caller owns.
 *
 * @module
 */

import type { Client } from "@libsql/client";
import { existsSync } from "node:fs";
import { setImmediate } from "node:timers";
import { backoffMs, Connection, type ConnectionOptions } from "./connection.ts";
import type { WatchEvent } from "./event.ts";
import { EventQueue } from "./queue.ts";
import { Spool, WatchLogSpoolFullError } from "./spool.ts";
import { WatchLogDropError } from "./types.ts";
import { commitInDoubt, writeEvents, type WriteOutcome } from "./writer.ts";

/** The write loop's settings (see `WatchLoggerOptions` for each). */
export interface EngineOptions {
  connection: ConnectionOptions;
  spoolPath: string | null;
  spoolMaxEvents: number;
  idleWindowMs: number;
  batchSize: number;
  flushIntervalMs: number;
  maxQueue: number;
  retryBaseMs: number;
  retryMaxMs: number;
  closeTimeoutMs: number;
  /** Told about every failure and loss; must not throw (it is guarded anyway). */
  report: (error: unknown) => void;
  /** Told when the counters change. */
  onChange?: () => void;
}

/** The write loop's counters. */
export interface EngineStats {
  /** Events handed to the loop so far. */
  received: number;
  /** Events in memory, not yet written or spooled. */
  queued: number;
  /** Events in the spool file, waiting for the database. */
  spooled: number;
  /** Events written to the database. */
  written: number;
  /** Event writes retried after a failure. */
  retried: number;
  /** Events lost (spool full or unusable). */
  dropped: number;
  /** Failed write attempts. */
  failedWrites: number;
  /** Whether the last write attempt succeeded. */
  available: boolean;
}

/** The longest wait between attempts while closing. */
const CLOSE_RETRY_MS = 250;

type _Batch = { events: WatchEvent[]; spooledThrough: number | null };

/** Most ids of failed writes remembered; past it, a write whose answer was lost may go uncounted. */
const MAX_IN_DOUBT = 100_000;

/** One write loop over one database. */
export class WriteEngine {
  readonly #o: EngineOptions;
  readonly #connection: Connection;
  readonly #queue: EventQueue<WatchEvent>;
  readonly #spool: Spool | null;
  #spoolChecked = false;
  #counters = { received: 0, written: 0, retried: 0, dropped: 0, failedWrites: 0 };
  #failures = 0;
  #nextAttempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerDue = Infinity;
  #chain: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #readClient: Client | null = null;
  /**
   * Ids of events whose commit failed without an answer: the database may have carried it out.
   * Found stored by a later write, they are counted as written then, once.
   */
  #inDoubt = new Set<string>();

  /**
   * Creates the loop; nothing is opened until the first write.
   *
   * @param options The settings.
   */
  constructor(options: EngineOptions) {
    this.#o = options;
    this.#connection = new Connection(options.connection);
    this.#queue = new EventQueue(options.maxQueue);
    this.#spool = options.spoolPath === null ? null : new Spool(options.spoolPath, options.spoolMaxEvents);
  }

  /** The counters now. */
  stats(): EngineStats {
    return {
      ...this.#counters,
      queued: this.#queue.length,
      spooled: this.#spool?.count ?? 0,
      available: this.#failures === 0,
    };
  }

  /** Queues events for the next batch. Never throws, never waits. */
  add(events: readonly WatchEvent[]): void {
    if (this.#closing !== null) {
      this.#lose(events.length, "the logger was closed");
      return;
    }
    this.#counters.received += events.length;
    this.#queue.push(...events);
    if (
      this.#queue.length > this.#o.maxQueue ||
      (this.#queue.length >= this.#o.batchSize && this.#failures === 0)
    ) {
      this.#wake(0);
    } else {
      this.#wake(this.#o.flushIntervalMs);
    }
    this.#o.onChange?.();
  }

  /** Writes `events` now, ahead of the queue; rejects when the database does not take them. */
  writeNow(events: readonly WatchEvent[]): Promise<void> {
    return this.#serial(async () => {
      try {
        this.#counted(events, await writeEvents(await this.#connection.get(), events, this.#o.idleWindowMs));
      } catch (error) {
        if (commitInDoubt(error)) this.#doubt(events);
        this.#fail(error);
        throw error;
      } finally {
        this.#o.onChange?.();
      }
    });
  }

  /**
   * Writes everything queued or spooled now, and with nothing to write makes sure the database
   * can be reached and is migrated; rejects with the database's error (events are kept).
   */
  flush(): Promise<void> {
    return this.#serial(async () => {
      const pending = this.#queue.length + (await this.#spoolCount());
      const error = pending > 0 ? await this.#deliver(pending) : await this.#reach();
      if (error !== null) throw error;
    });
  }

  /**
   * Stops taking events, writes what is left, retrying until `closeTimeoutMs` has passed, then
   * spools what the database did not take. Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#serial(async () => {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      const deadline = Date.now() + this.#o.closeTimeoutMs;
      for (;;) {
        const error = await this.#deliver(Infinity);
        if (error === null) break;
        const left = deadline - Date.now();
        if (left <= 0) break;
        // the deadline, not the backoff, bounds a shutdown: retry often enough to catch the end
        await new Promise((resolve) => setTimeout(resolve, Math.min(left, this.#backoff(), CLOSE_RETRY_MS)));
      }
      await this.#spoolQueued("the database could not be written before close", true);
    }).catch((error) => this.#o.report(error)).finally(() => {
      this.#connection.close();
      this.#spool?.close();
      this.#readClient?.close();
      this.#o.onChange?.();
    });
    return this.#closing;
  }

  /** A client for reads: its own connection for an embedded file, so reads never wait on a write. */
  async readClient(): Promise<Client> {
    const writer = await this.#connection.get();
    const { url, authToken, busyTimeoutMs, client } = this.#o.connection;
    if (client !== undefined || writer.protocol !== "file" || url.includes(":memory:")) return writer;
    if (this.#readClient === null) {
      const { createClient } = await import("@libsql/client");
      this.#readClient = createClient({ url, authToken, timeout: busyTimeoutMs });
    }
    return this.#readClient;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => {});
    return run;
  }

  #backoff(): number {
    return backoffMs(this.#failures, this.#o.retryBaseMs, this.#o.retryMaxMs);
  }

  #wake(delay: number): void {
    if (this.#closing !== null) return;
    const due = Date.now() + delay;
    if (this.#timer !== null) {
      if (due >= this.#timerDue) return;
      clearTimeout(this.#timer);
    }
    this.#timerDue = due;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerDue = Infinity;
      void this.#serial(() => this.#cycle());
    }, delay);
  }

  /** One background pass: deliver when due; during an outage, keep the queue in the spool. */
  async #cycle(): Promise<void> {
    const due = this.#failures === 0 || Date.now() >= this.#nextAttempt;
    if (due) {
      const error = await this.#deliver(Infinity);
      if (error !== null) this.#o.report(error);
    }
    if (this.#failures > 0) {
      await this.#spoolQueued("the queue was full and the spool could not take it");
      if (this.#pending()) this.#wake(Math.max(0, this.#nextAttempt - Date.now()));
    } else if (this.#queue.length > 0) {
      this.#wake(this.#o.flushIntervalMs);
    }
  }

  async #spoolCount(): Promise<number> {
    if (this.#spool === null) return 0;
    if (!this.#spoolChecked) {
      this.#spoolChecked = true;
      // a spool left by an earlier run or another process is delivered too
      if (existsSync(this.#o.spoolPath!)) await this.#spool.refresh().catch((e) => this.#o.report(e));
    }
    return this.#spool.count;
  }

  /**
   * Writes up to `limit` events, the spool's first (they are older). Returns the error of the
   * first failed batch, or `null`.
   */
  async #deliver(limit: number): Promise<unknown> {
    let left = limit;
    while (left > 0) {
      const batch = await this.#nextBatch(Math.min(left, this.#o.batchSize));
      if (batch === null) return null;
      try {
        const outcome = await writeEvents(await this.#connection.get(), batch.events, this.#o.idleWindowMs);
        this.#counted(batch.events, outcome);
        this.#failures = 0;
      } catch (error) {
        if (commitInDoubt(error)) this.#doubt(batch.events);
        this.#counters.retried += batch.events.length;
        if (batch.spooledThrough === null) this.#queue.unshift(batch.events);
        this.#fail(error);
        return error;
      }
      if (batch.spooledThrough !== null) await this.#spool!.removeThrough(batch.spooledThrough);
      left -= batch.events.length || 1;
      this.#o.onChange?.();
      // The embedded driver answers synchronously: without a turn of the event loop between
      // batches, a long backlog would hold back new events, reads and the counters until done.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return null;
  }

  /**
   * Counts what a write stored: its new rows, and the rows an earlier failed write of ours had
   * committed after all (so `written` counts each event once, whichever attempt stored it).
   */
  #counted(events: readonly WatchEvent[], outcome: WriteOutcome): void {
    let recovered = 0;
    for (const id of outcome.alreadyStored) if (this.#inDoubt.delete(id)) recovered++;
    this.#counters.written += outcome.written + recovered;
    if (this.#inDoubt.size > 0) { for (const e of events) this.#inDoubt.delete(e.eventId); }
  }

  /** Remembers the ids of a commit in doubt; bounded, the oldest forgotten first. */
  #doubt(events: readonly WatchEvent[]): void {
    for (const e of events) this.#inDoubt.add(e.eventId);
    for (const id of this.#inDoubt) {
      if (this.#inDoubt.size <= MAX_IN_DOUBT) break;
      this.#inDoubt.delete(id);
    }
  }

  /** Opens (and migrates) the database if needed; returns the error, or `null`. */
  async #reach(): Promise<unknown> {
    try {
      await this.#connection.get();
      this.#failures = 0;
      return null;
    } catch (error) {
      this.#fail(error);
      return error;
    }
  }

  /** Whether events wait, in memory or in the spool. */
  #pending(): boolean {
    return this.#queue.length > 0 || (this.#spool?.count ?? 0) > 0;
  }

  /** Counts a failure and schedules the retry (a failed flush() must not leave the spool waiting). */
  #fail(error: unknown): void {
    this.#connection.reset(error);
    this.#failures++;
    this.#nextAttempt = Date.now() + this.#backoff();
    this.#counters.failedWrites++;
    if (this.#pending()) this.#wake(this.#nextAttempt - Date.now());
    this.#o.onChange?.();
  }

  async #nextBatch(n: number): Promise<_Batch | null> {
    if ((await this.#spoolCount()) > 0) {
      const { events, last } = await this.#spool!.peek(n);
      if (last > 0) return { events, spooledThrough: last };
    }
    const events = this.#queue.take(n);
    return events.length ? { events, spooledThrough: null } : null;
  }

  /** Moves the queue to the spool; without one, drops what is beyond the bound (`all`: everything). */
  async #spoolQueued(reason: string, all = false): Promise<void> {
    const everything = all || this.#spool !== null;
    const events = everything ? this.#queue.take(this.#queue.length) : this.#queue.overflow();
    if (events.length === 0) return;
    if (this.#spool === null) {
      this.#lose(events.length, reason);
      return;
    }
    try {
      const rejected = await this.#spool.add(events);
      if (rejected.length) {
        this.#counters.dropped += rejected.length;
        this.#o.report(new WatchLogSpoolFullError(rejected.length, this.#o.spoolMaxEvents));
      }
    } catch (error) {
      this.#o.report(error);
      this.#queue.unshift(events);
      const lost = this.#queue.overflow();
      if (lost.length) this.#lose(lost.length, "the spool could not be written and the queue was full");
    }
    this.#o.onChange?.();
  }

  #lose(count: number, reason: string): void {
    this.#counters.dropped += count;
    this.#o.report(new WatchLogDropError(count, reason));
    this.#o.onChange?.();
  }
}
