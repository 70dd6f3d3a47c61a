/**
 * Where the write loop runs. {@linkcode WorkerBackend} runs it in a worker thread, so the
 * driver's synchronous calls (an embedded file's busy wait, a slow batch) never hold up the
 * thread that serves requests; {@linkcode LocalBackend} runs it on the caller's thread, for a
 * client the caller owns or an in-memory database, which cannot move to another thread.
 *
 * @module
 */

import type { Client } from "@libsql/client";
import { Worker } from "node:worker_threads";
import { Connection } from "./connection.ts";
import { type EngineOptions, type EngineStats, WriteEngine } from "./engine.ts";
import type { WatchEvent } from "./event.ts";
import { createWatchLogQueries } from "./queries.ts";
import { WatchLogSpoolFullError } from "./spool.ts";
import { WatchLogSchemaError } from "./schema.ts";
import { WatchLogDropError, type WatchLogQueries } from "./types.ts";

/** A query method's name. */
export type QueryName = keyof WatchLogQueries;

/** What the logger asks of the write loop, wherever it runs. */
export interface Backend {
  add(events: WatchEvent[]): void;
  writeNow(events: WatchEvent[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** The loop's counters as last known on this thread. */
  stats(): EngineStats;
  query(name: QueryName, args: unknown[]): Promise<unknown>;
  client(): Promise<Client>;
}

/** The settings a worker can receive: everything but the callbacks and a given client. */
export type EngineSettings = Omit<EngineOptions, "report" | "onChange" | "connection"> & {
  connection: Omit<EngineOptions["connection"], "client" | "onNotice">;
};

/** Runs the write loop on this thread. */
export class LocalBackend implements Backend {
  readonly #engine: WriteEngine;
  #queries: WatchLogQueries | null = null;

  /**
   * Creates the loop.
   *
   * @param options The loop's settings and callbacks.
   */
  constructor(options: EngineOptions) {
    this.#engine = new WriteEngine(options);
  }

  add(events: WatchEvent[]): void {
    this.#engine.add(events);
  }
  writeNow(events: WatchEvent[]): Promise<void> {
    return this.#engine.writeNow(events);
  }
  flush(): Promise<void> {
    return this.#engine.flush();
  }
  close(): Promise<void> {
    return this.#engine.close();
  }
  stats(): EngineStats {
    return this.#engine.stats();
  }
  async query(name: QueryName, args: unknown[]): Promise<unknown> {
    this.#queries ??= createWatchLogQueries(await this.#engine.readClient());
    return (this.#queries[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  }
  client(): Promise<Client> {
    return this.#engine.readClient();
  }
}

/** An error as it crosses threads. */
export interface SentError {
  name: string;
  message: string;
  count?: number;
}

/**
 * An error in a form that survives `postMessage`, keeping the name, message and count.
 *
 * @param error Anything thrown.
 * @returns The plain form.
 */
export function sendError(error: unknown): SentError {
  const e = error instanceof Error ? error : new Error(String(error));
  const count = (e as { count?: unknown }).count;
  return { name: e.name, message: e.message, ...(typeof count === "number" ? { count } : {}) };
}

const _CLASSES: Record<string, new (...args: never[]) => Error> = {
  // a query's bad options reject alike on either thread
  TypeError,
  RangeError,
  WatchLogDropError,
  WatchLogSpoolFullError,
  WatchLogSchemaError,
};

/**
 * The error `sent` stood for, of its class where the watch log defines it.
 *
 * @param sent What {@linkcode sendError} made.
 * @returns An `Error` with the same name, message and count.
 */
export function reviveError(sent: SentError): Error {
  const cls = _CLASSES[sent.name];
  const error: Error = cls ? Object.create(cls.prototype) : new Error(sent.message);
  Object.defineProperty(error, "message", { value: sent.message, writable: true, configurable: true });
  Object.defineProperty(error, "name", { value: sent.name, writable: true, configurable: true });
  if (sent.count !== undefined) {
    Object.defineProperty(error, "count", { value: sent.count, enumerable: true });
  }
  if (cls) error.stack = `${sent.name}: ${sent.message}`;
  return error;
}

/** Messages from the logger to its worker. */
export type ToWorker =
  | { t: "add"; events: WatchEvent[] }
  | {
    t: "call";
    id: number;
    op: "flush" | "close" | "writeNow" | "query";
    name?: QueryName;
    args?: unknown[];
  };

/** Messages from the worker to the logger. */
export type FromWorker =
  | { t: "stats"; stats: EngineStats }
  | { t: "error"; error: SentError }
  | { t: "notice"; message: string }
  | { t: "reply"; id: number; ok: boolean; value?: unknown; error?: SentError; stats: EngineStats };

const _EMPTY: EngineStats = {
  received: 0,
  queued: 0,
  spooled: 0,
  written: 0,
  retried: 0,
  dropped: 0,
  failedWrites: 0,
  available: true,
};

/** Runs the write loop in a worker thread. */
export class WorkerBackend implements Backend {
  readonly #worker: Worker;
  readonly #settings: EngineSettings;
  readonly #report: (error: unknown) => void;
  #stats: EngineStats = _EMPTY;
  #outbox: WatchEvent[] = [];
  #posted = 0;
  #calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;
  #referenced = false;
  #dead: Error | null = null;
  #mainClient: Connection | null = null;

  /**
   * Starts the worker.
   *
   * @param settings The loop's settings.
   * @param report Told about the loop's errors and losses.
   * @throws When the runtime cannot start the worker.
   */
  constructor(settings: EngineSettings, report: (error: unknown) => void) {
    this.#settings = settings;
    this.#report = report;
    this.#worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData: settings });
    this.#worker.unref();
    this.#worker.on("message", (m: FromWorker) => this.#receive(m));
    this.#worker.on("error", (error: unknown) => this.#die(error));
    this.#worker.on("exit", () => this.#die(new Error("the watch log's writer thread stopped")));
  }

  add(events: WatchEvent[]): void {
    if (this.#dead !== null) {
      this.#report(new WatchLogDropError(events.length, this.#dead.message));
      return;
    }
    if (this.#outbox.length === 0) setTimeout(() => this.#post(), 0);
    this.#outbox.push(...events);
    this.#posted += events.length;
    this.#reference();
  }
  writeNow(events: WatchEvent[]): Promise<void> {
    return this.#call("writeNow", undefined, [events]) as Promise<void>;
  }
  flush(): Promise<void> {
    return this.#call("flush") as Promise<void>;
  }
  async close(): Promise<void> {
    try {
      await this.#call("close");
    } catch (error) {
      this.#report(error);
    }
    this.#mainClient?.close();
    await this.#worker.terminate();
  }
  stats(): EngineStats {
    const unsent = this.#posted - this.#stats.received;
    return { ...this.#stats, queued: this.#stats.queued + unsent };
  }
  query(name: QueryName, args: unknown[]): Promise<unknown> {
    return this.#call("query", name, args);
  }
  /** A client of this thread's own to the same database (the writer's lives in the worker). */
  client(): Promise<Client> {
    const { url, authToken, busyTimeoutMs } = this.#settings.connection;
    this.#mainClient ??= new Connection({ url, authToken, busyTimeoutMs });
    return this.#mainClient.get();
  }

  #post(): void {
    if (this.#outbox.length === 0 || this.#dead !== null) return;
    const events = this.#outbox;
    this.#outbox = [];
    this.#worker.postMessage({ t: "add", events } satisfies ToWorker);
  }

  #call(op: "flush" | "close" | "writeNow" | "query", name?: QueryName, args?: unknown[]): Promise<unknown> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    this.#post(); // what was recorded before the call is part of it
    const id = this.#nextId++;
    const reply = new Promise((resolve, reject) => this.#calls.set(id, { resolve, reject }));
    this.#worker.postMessage({ t: "call", id, op, name, args } satisfies ToWorker);
    this.#reference();
    return reply;
  }

  #receive(m: FromWorker): void {
    if (m.t === "error") this.#report(reviveError(m.error));
    else if (m.t === "notice") this.#report(new Error(m.message));
    else {
      this.#stats = m.stats;
      if (m.t === "reply") {
        const call = this.#calls.get(m.id);
        this.#calls.delete(m.id);
        if (m.ok) call?.resolve(m.value);
        else call?.reject(reviveError(m.error!));
      }
    }
    this.#reference();
  }

  /** Keeps the process alive while events are in memory or calls wait, and not longer. */
  #reference(): void {
    const busy = this.#calls.size > 0 || this.stats().queued > 0;
    if (busy === this.#referenced || this.#dead !== null) return;
    this.#referenced = busy;
    if (busy) this.#worker.ref();
    else this.#worker.unref();
  }

  #die(error: unknown): void {
    if (this.#dead !== null) return;
    this.#dead = error instanceof Error ? error : new Error(String(error));
    for (const call of this.#calls.values()) call.reject(this.#dead);
    this.#calls.clear();
    const lost = this.stats().queued;
    if (lost > 0) this.#report(new WatchLogDropError(lost, this.#dead.message));
  }
}
