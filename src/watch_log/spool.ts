/**
 * The local spool: an embedded libSQL file that keeps the events the database could not take
 * (down at shutdown, a long outage, a file gone) until they can be delivered. Events keep
 * their ids, so an event delivered twice (the database committed, the spool had not yet
 * forgotten it) is still one row.
 *
 * @module
 */

import { type Client, createClient } from "@libsql/client";
import { pathToFileURL } from "node:url";
import type { WatchEvent } from "./event.ts";

/** Raised when the spool holds its maximum: the events that did not fit are lost. */
export class WatchLogSpoolFullError extends Error {
  /** How many events did not fit. */
  readonly count: number;
  /**
   * Creates the error.
   *
   * @param count How many events did not fit.
   * @param max The spool's bound.
   */
  constructor(count: number, max: number) {
    super(
      `Watch log spool is full (${max} events): ${count} event${count === 1 ? "" : "s"} could not be kept; ` +
        "raise spoolMaxEvents or bring the database back",
    );
    this.name = "WatchLogSpoolFullError";
    this.count = count;
  }
}

/** Events waiting in the spool file, oldest first. */
export class Spool {
  readonly #path: string;
  readonly #max: number;
  #client: Client | null = null;
  #count = 0;

  /**
   * Creates the spool; the file is opened (and created) on first use.
   *
   * @param path The spool file's path.
   * @param max The most events it holds.
   */
  constructor(path: string, max: number) {
    this.#path = path;
    this.#max = max;
  }

  /** Events in the spool, as last counted. */
  get count(): number {
    return this.#count;
  }

  async #db(): Promise<Client> {
    if (this.#client !== null) return this.#client;
    const client = createClient({ url: pathToFileURL(this.#path).href, timeout: 2000 });
    try {
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute(
        "CREATE TABLE IF NOT EXISTS spooled_events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, event TEXT NOT NULL)",
      );
      this.#count = Number((await client.execute("SELECT count(*) AS n FROM spooled_events")).rows[0].n);
    } catch (error) {
      client.close();
      throw error;
    }
    this.#client = client;
    return client;
  }

  /** Counts the events in the file (other processes sharing it may add or deliver some). */
  async refresh(): Promise<number> {
    const db = await this.#db();
    this.#count = Number((await db.execute("SELECT count(*) AS n FROM spooled_events")).rows[0].n);
    return this.#count;
  }

  /**
   * Keeps `events`, up to the bound.
   *
   * @returns The events that did not fit (the newest), for the caller to report as lost.
   */
  async add(events: readonly WatchEvent[]): Promise<WatchEvent[]> {
    if (events.length === 0) return [];
    const db = await this.#db();
    await this.refresh();
    const room = Math.max(0, this.#max - this.#count);
    const kept = events.slice(0, room);
    if (kept.length) {
      await db.batch(
        kept.map((e) => ({
          sql: "INSERT OR IGNORE INTO spooled_events (event_id, event) VALUES (?, ?)",
          args: [e.eventId, JSON.stringify(e)],
        })),
        "write",
      );
      this.#count += kept.length;
    }
    return events.slice(room);
  }

  /**
   * The oldest `n` events, still in the spool until {@linkcode Spool.removeThrough}.
   *
   * @returns The events, and the position of the last one (rows that cannot be read are skipped
   *   and removed with the batch).
   */
  async peek(n: number): Promise<{ events: WatchEvent[]; last: number }> {
    const db = await this.#db();
    const result = await db.execute({
      sql: "SELECT seq, event FROM spooled_events ORDER BY seq LIMIT ?",
      args: [n],
    });
    const events: WatchEvent[] = [];
    let last = 0;
    for (const row of result.rows) {
      last = Number(row.seq);
      try {
        events.push(JSON.parse(String(row.event)));
      } catch {
        // a damaged row cannot be delivered
      }
    }
    return { events, last };
  }

  /** Forgets the events up to position `last`, once delivered. */
  async removeThrough(last: number): Promise<void> {
    const db = await this.#db();
    await db.execute({ sql: "DELETE FROM spooled_events WHERE seq <= ?", args: [last] });
    await this.refresh();
  }

  /** Closes the file. */
  close(): void {
    this.#client?.close();
    this.#client = null;
  }
}
