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
export const WATCH_LOG_SCHEMA_VERSION = 3;

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
  // 3: watch time: seconds per viewing and event, and per-video figures kept up to date by
  // the writer (retention and seek targets per 1 % of a video), so a video's page reads a few
  // rows however many viewings it has. Viewings logged before count in bytes only.
  [
    `ALTER TABLE watch_viewings ADD COLUMN media_duration REAL`,
    `ALTER TABLE watch_viewings ADD COLUMN media_time TEXT`,
    `ALTER TABLE watch_viewings ADD COLUMN watched_seconds REAL`,
    `ALTER TABLE watch_viewings ADD COLUMN buffered_seconds REAL`,
    `ALTER TABLE watch_viewings ADD COLUMN seeks INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE watch_viewings ADD COLUMN completed INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE watch_viewings ADD COLUMN last_position REAL`,
    `ALTER TABLE watch_events ADD COLUMN media_start REAL`,
    `ALTER TABLE watch_events ADD COLUMN media_end REAL`,
    `CREATE INDEX IF NOT EXISTS watch_viewings_path_viewer ON watch_viewings (path, viewer_key)`,
    `CREATE TABLE IF NOT EXISTS watch_videos (
      path TEXT PRIMARY KEY,
      viewings INTEGER NOT NULL,
      timed_viewings INTEGER NOT NULL,
      watched_seconds REAL NOT NULL,
      buffered_seconds REAL NOT NULL,
      completed INTEGER NOT NULL,
      seeks INTEGER NOT NULL,
      duration REAL
    )`,
    `CREATE TABLE IF NOT EXISTS watch_video_parts (
      path TEXT NOT NULL,
      part INTEGER NOT NULL,
      reached INTEGER NOT NULL,
      seeks INTEGER NOT NULL,
      PRIMARY KEY (path, part)
    ) WITHOUT ROWID`,
    `INSERT INTO watch_videos (path, viewings, timed_viewings, watched_seconds, buffered_seconds, completed, seeks)
      SELECT path, count(*), 0, 0, 0, 0, 0 FROM watch_viewings WHERE true GROUP BY path
      ON CONFLICT (path) DO UPDATE SET viewings = excluded.viewings`,
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
    "media_duration",
    "media_time",
    "watched_seconds",
    "buffered_seconds",
    "seeks",
    "completed",
    "last_position",
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
    "media_start",
    "media_end",
  ],
  watch_videos: [
    "path",
    "viewings",
    "timed_viewings",
    "watched_seconds",
    "buffered_seconds",
    "completed",
    "seeks",
    "duration",
  ],
  watch_video_parts: ["path", "part", "reached", "seeks"],
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
const ADDED_IN: Readonly<Record<string, number>> = {
  "watch_events.event_id": 2,
  ...Object.fromEntries(
    [
      "media_duration",
      "media_time",
      "watched_seconds",
      "buffered_seconds",
      "seeks",
      "completed",
      "last_position",
    ]
      .map((column) => [`watch_viewings.${column}`, 3]),
  ),
  "watch_events.media_start": 3,
  "watch_events.media_end": 3,
};

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
