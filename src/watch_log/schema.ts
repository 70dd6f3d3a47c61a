/**
 * The watch log's tables, created and migrated by the logger itself.
 *
 * Migrations are numbered and recorded in `watch_log_schema`. They run inside one write
 * transaction (`BEGIN IMMEDIATE` on embedded files), so when several processes start at once
 * one migrates and the others find the work done.
 *
 * @module
 */

import type { Client } from "@libsql/client";
import type { WatchLogClient } from "./types.ts";
import { tryWriteLock } from "./write_lock.ts";

/** The schema version this code writes and reads. */
export const WATCH_LOG_SCHEMA_VERSION = 2;

/** Statements of each migration, by the version they bring the database to. */
const MIGRATIONS: readonly (readonly string[])[] = [
  // 1: events and viewings
  [
    `CREATE TABLE IF NOT EXISTS watch_viewings (
      id INTEGER PRIMARY KEY,
      viewer_key TEXT NOT NULL,
      path TEXT NOT NULL,
      user_id TEXT,
      authenticated INTEGER NOT NULL,
      client_ip TEXT,
      user_agent TEXT,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      request_count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      file_size INTEGER,
      coverage TEXT NOT NULL,
      covered_bytes INTEGER NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS watch_viewings_lookup ON watch_viewings (viewer_key, path, last_seen)`,
    `CREATE INDEX IF NOT EXISTS watch_viewings_first_seen ON watch_viewings (first_seen)`,
    `CREATE INDEX IF NOT EXISTS watch_viewings_user ON watch_viewings (user_id, first_seen)`,
    `CREATE INDEX IF NOT EXISTS watch_viewings_path ON watch_viewings (path, first_seen)`,
    `CREATE TABLE IF NOT EXISTS watch_events (
      id INTEGER PRIMARY KEY,
      started_at INTEGER NOT NULL,
      path TEXT NOT NULL,
      user_id TEXT,
      authenticated INTEGER NOT NULL,
      client_ip TEXT,
      user_agent TEXT,
      status INTEGER NOT NULL,
      file_size INTEGER,
      range_start INTEGER,
      range_end INTEGER,
      range_count INTEGER NOT NULL,
      bytes_planned INTEGER NOT NULL,
      bytes_delivered INTEGER,
      duration_ms REAL NOT NULL,
      aborted INTEGER NOT NULL,
      viewing_id INTEGER REFERENCES watch_viewings (id)
    )`,
    `CREATE INDEX IF NOT EXISTS watch_events_started_at ON watch_events (started_at)`,
    `CREATE INDEX IF NOT EXISTS watch_events_viewing ON watch_events (viewing_id)`,
    `CREATE INDEX IF NOT EXISTS watch_events_user ON watch_events (user_id, started_at)`,
  ],
  // 2: event ids, so that an event sent twice (a lost commit answer, a spool) is stored once
  [
    `ALTER TABLE watch_events ADD COLUMN event_id TEXT`,
    `CREATE UNIQUE INDEX IF NOT EXISTS watch_events_event_id ON watch_events (event_id)`,
  ],
];

/** The columns the code reads and writes, by table: a table of the same name without them is not ours. */
const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  watch_viewings: [
    "id",
    "viewer_key",
    "path",
    "user_id",
    "authenticated",
    "client_ip",
    "user_agent",
    "first_seen",
    "last_seen",
    "request_count",
    "bytes",
    "file_size",
    "coverage",
    "covered_bytes",
  ],
  watch_events: [
    "id",
    "started_at",
    "path",
    "user_id",
    "authenticated",
    "client_ip",
    "user_agent",
    "status",
    "file_size",
    "range_start",
    "range_end",
    "range_count",
    "bytes_planned",
    "bytes_delivered",
    "duration_ms",
    "aborted",
    "viewing_id",
    "event_id",
  ],
};

/** Raised when the database holds tables of the watch log's names that are not a watch log. */
export class WatchLogSchemaError extends Error {
  /**
   * Creates the error.
   *
   * @param message What does not match.
   */
  constructor(message: string) {
    super(message);
    this.name = "WatchLogSchemaError";
  }
}

/** Columns added after version 1, by the version that adds them. */
const ADDED_IN: Readonly<Record<string, number>> = { "watch_events.event_id": 2 };

/**
 * Throws unless each table has the columns it must have at `version`. Tables that do not exist
 * yet pass when `onlyExisting` (before migrating: they are about to be created).
 */
async function _checkColumns(
  client: Pick<Client, "execute">,
  version: number,
  onlyExisting: boolean,
): Promise<void> {
  for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
    const result = await client.execute({ sql: "SELECT name FROM pragma_table_info(?)", args: [table] });
    if (result.rows.length === 0 && onlyExisting) continue;
    const present = new Set(result.rows.map((row) => String(row.name)));
    const missing = columns.filter((c) => !present.has(c) && (ADDED_IN[`${table}.${c}`] ?? 1) <= version);
    if (missing.length) {
      throw new WatchLogSchemaError(
        `Table ${table} is not a sage-stream watch log (missing columns: ${missing.join(", ")}); ` +
          "use another database or rename the table",
      );
    }
  }
}

async function _currentVersion(client: Pick<Client, "execute">): Promise<number> {
  const result = await client.execute("SELECT coalesce(max(version), 0) AS version FROM watch_log_schema");
  return Number(result.rows[0]?.version ?? 0);
}

/**
 * Creates or upgrades the watch log tables in `client`'s database; does nothing when they are
 * current. Embedded files are switched to WAL mode so readers never block the writer.
 *
 * @param client The database.
 * @returns The schema version of the database afterwards.
 * @throws {WatchLogSchemaError} When tables of the watch log's names lack its columns.
 */
export async function migrateWatchLog(watchLogClient: WatchLogClient): Promise<number> {
  const client = watchLogClient as Client;
  try {
    const version = await _currentVersion(client);
    if (version >= WATCH_LOG_SCHEMA_VERSION) return version;
  } catch {
    // no schema table yet: create it below
  }
  if (client.protocol === "file") {
    // WAL is persistent in the file: concurrent readers, one writer, no reader/writer blocking.
    // Only set while migrating: changing it needs a lock that a busy writer may hold.
    await tryWriteLock(client);
    await client.execute("PRAGMA journal_mode = WAL");
  }
  const tx = await client.transaction("write");
  try {
    await tx.execute(
      "CREATE TABLE IF NOT EXISTS watch_log_schema (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    // Read again under the write lock: another process may have migrated meanwhile.
    let version = await _currentVersion(tx);
    // A foreign table of one of our names fails here, before a statement of ours touches it.
    await _checkColumns(tx, Math.max(version, 1), true);
    while (version < WATCH_LOG_SCHEMA_VERSION) {
      const statements = MIGRATIONS[version];
      version++;
      await tx.batch([
        ...statements,
        {
          sql: "INSERT INTO watch_log_schema (version, applied_at) VALUES (?, ?)",
          args: [version, Date.now()],
        },
      ]);
    }
    await _checkColumns(tx, version, false); // before the version is committed: a foreign table is never stamped
    await tx.commit();
    return version;
  } finally {
    tx.close();
  }
}
