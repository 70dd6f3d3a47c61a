/**
 * The writer's connection to the watch-log database: opened and migrated on demand, its schema
 * checked again after a failure, and reopened when an embedded file is no longer the file at
 * its path (deleted, replaced or restored while the server runs).
 *
 * @module
 */

import { type Client, createClient } from "@libsql/client";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { migrateWatchLog } from "./schema.ts";
import { spoilsConnection } from "./write_lock.ts";

/** How to reach the database. */
export interface ConnectionOptions {
  /** The libSQL URL. */
  url: string;
  /** The token for a libSQL server, or `undefined`. */
  authToken?: string;
  /** How long an embedded file's lock is waited for, in ms. */
  busyTimeoutMs: number;
  /** A client the caller owns: used as it is, never closed or reopened. */
  client?: Client;
  /** Told when an embedded file was found replaced or removed, and reopened. */
  onNotice?: (message: string) => void;
}

/**
 * The path of an embedded database's file, or `null` for a server or an in-memory database.
 *
 * @param url A libSQL URL.
 * @returns The file's path, or `null`.
 */
export function databaseFilePath(url: string): string | null {
  if (!url.startsWith("file:") || url.includes(":memory:")) return null;
  const bare = url.split("?")[0];
  return bare.startsWith("file://") ? fileURLToPath(bare) : bare.slice("file:".length);
}

/**
 * `url` without credentials: no user or password, no `authToken` parameter. For messages.
 *
 * @param url A libSQL URL.
 * @returns The URL, safe to print.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "file:") return url.split("?")[0];
    if (parsed.username || parsed.password) {
      parsed.username = "";
      parsed.password = "";
    }
    for (const key of [...parsed.searchParams.keys()]) {
      if (/token|auth|secret|password/i.test(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.href;
  } catch {
    return url.split("?")[0];
  }
}

function _identity(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/**
 * One logical connection. An embedded file keeps one client for as long as it is the file at
 * its path: a closed client's descriptors stay open until it is collected, so reopening on
 * every failed write (a long lock) would leak them. A server's client is replaced after a
 * failure, which costs only a socket.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #file: string | null;
  #client: Client | null = null;
  #identity: string | null = null;
  #verified = false;
  #opening: Promise<Client> | null = null;

  /**
   * Creates the connection; nothing is opened until {@linkcode Connection.get}.
   *
   * @param options How to reach the database.
   */
  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#file = options.client === undefined ? databaseFilePath(options.url) : null;
  }

  /** Whether the database is an embedded file. */
  get isFile(): boolean {
    return this.#options.client?.protocol === "file" || this.#options.url.startsWith("file:");
  }

  /**
   * The open, migrated client: opened now if needed, reopened if its file was replaced or
   * removed, its schema checked again after a failure.
   */
  get(): Promise<Client> {
    if (this.#client !== null && this.#file !== null) this.#checkIdentity(this.#file);
    if (this.#client !== null && this.#verified) return Promise.resolve(this.#client);
    this.#opening ??= this.#open().finally(() => this.#opening = null);
    return this.#opening;
  }

  #checkIdentity(file: string): void {
    const now = _identity(file);
    if (now === this.#identity) return;
    this.#options.onNotice?.(
      `the watch log file ${file} was ${
        now === null ? "removed" : "replaced"
      } while open; writing to a file at its path from now on`,
    );
    this.#drop();
  }

  async #open(): Promise<Client> {
    const given = this.#options.client;
    if (this.#client === null) {
      this.#client = given ?? createClient({
        url: this.#options.url,
        authToken: this.#options.authToken,
        timeout: this.#options.busyTimeoutMs,
        concurrency: 1,
      });
      this.#identity = this.#file === null ? null : _identity(this.#file);
    }
    const client = this.#client;
    await migrateWatchLog(client);
    // One connection, serial writes: WAL with synchronous=NORMAL commits without an fsync
    // (durable across app crashes, not power loss).
    if (given === undefined && client.protocol === "file") {
      await client.execute("PRAGMA synchronous = NORMAL");
      if (this.#file !== null) this.#identity = _identity(this.#file); // the file exists now
    }
    this.#verified = true;
    return client;
  }

  /**
   * Called after a failure: the schema is checked again before the next write (the database
   * may have been replaced meanwhile); a server's client, or a file's client left with an
   * active statement, is replaced.
   *
   * @param error The failure.
   */
  reset(error?: unknown): void {
    this.#verified = false;
    if (!this.isFile || spoilsConnection(error)) this.#drop();
  }

  #drop(): void {
    const client = this.#client;
    this.#client = null;
    this.#verified = false;
    if (client === null || this.#options.client !== undefined) return;
    try {
      client.close();
    } catch {
      // already closed
    }
  }

  /** Closes the client when owned. */
  close(): void {
    this.#drop();
  }
}

/**
 * The wait before retry number `failures` (1 for the first): exponential from `baseMs`, capped
 * at `maxMs`, with jitter so that servers sharing a database do not retry in step.
 *
 * @param failures Consecutive failures so far (at least 1).
 * @param baseMs The first wait.
 * @param maxMs The longest wait.
 * @returns The wait in ms.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  const ms = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return ms / 2 + Math.random() * ms / 2;
}
