/**
 * Writes a batch of events in one transaction, assigning each to a viewing. The viewing lookup
 * and update happen inside the write transaction, so processes sharing a database never split
 * or double one viewing; events whose id is already stored are skipped in the same
 * transaction, so a batch sent twice (its commit succeeded, its answer was lost) counts once.
 *
 * @module
 */

import type { Client, InStatement, InValue } from "@libsql/client";
import { addInterval, coveredBytes, type Interval, mergeIntervals } from "./viewings.ts";
import type { WatchEvent } from "./event.ts";
import { tryWriteLock } from "./write_lock.ts";

interface _Viewing {
  id: number | null;
  key: string;
  first: WatchEvent | null;
  firstSeen: number;
  lastSeen: number;
  requestCount: number;
  bytes: number;
  fileSize: number | null;
  coverage: Interval[];
  changed: boolean;
}

const EVENT_INSERT = "INSERT INTO watch_events (started_at, path, user_id, authenticated, client_ip, " +
  "user_agent, status, file_size, range_start, range_end, range_count, bytes_planned, bytes_delivered, " +
  "duration_ms, aborted, viewing_id, event_id) VALUES ";
const EVENT_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/** Rows per INSERT statement: 17 columns × 100 stays far below SQLite's parameter limit. */
const ROWS_PER_INSERT = 100;
/** (viewer, path) pairs per lookup statement. */
const KEYS_PER_LOOKUP = 200;

function _pairKey(viewer: string, path: string): string {
  return `${viewer}\u0000${path}`;
}

/** Ids of `events` already stored, read inside the write transaction. */
async function _storedIds(
  tx: { execute: Client["execute"] },
  events: readonly WatchEvent[],
): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < events.length; i += KEYS_PER_LOOKUP) {
    const ids = events.slice(i, i + KEYS_PER_LOOKUP).map((e) => e.eventId);
    const result = await tx.execute({
      sql: `SELECT event_id FROM watch_events WHERE event_id IN (${ids.map(() => "?").join(", ")})`,
      args: ids,
    });
    for (const row of result.rows) stored.add(String(row.event_id));
  }
  return stored;
}

/**
 * Writes `events` and updates their viewings in one write transaction; events already stored
 * (same `eventId`) are skipped.
 *
 * @param client The database (schema already migrated).
 * @param events The events; not modified.
 * @param idleWindowMs The longest gap inside one viewing.
 * @returns How many events were new.
 */
export async function writeEvents(
  client: Client,
  events: readonly WatchEvent[],
  idleWindowMs: number,
): Promise<number> {
  if (events.length === 0) return 0;
  await tryWriteLock(client);
  const tx = await client.transaction("write");
  try {
    const stored = await _storedIds(tx, events);
    const ordered = events.filter((e) => !stored.has(e.eventId) && (stored.add(e.eventId), true))
      .sort((a, b) => a.startedAt - b.startedAt);
    if (ordered.length === 0) return 0;
    const pairs = new Map<string, [string, string]>();
    for (const e of ordered) pairs.set(_pairKey(e.viewerKey, e.path), [e.viewerKey, e.path]);
    const since = ordered[0].startedAt - idleWindowMs;

    // The latest viewing of each (viewer, path) still open at the batch's first event.
    const open = new Map<string, _Viewing>();
    const pairList = [...pairs.values()];
    for (let i = 0; i < pairList.length; i += KEYS_PER_LOOKUP) {
      const chunk = pairList.slice(i, i + KEYS_PER_LOOKUP);
      const result = await tx.execute({
        sql:
          "SELECT id, viewer_key, path, first_seen, last_seen, request_count, bytes, file_size, coverage " +
          `FROM watch_viewings WHERE last_seen >= ? AND (viewer_key, path) IN (VALUES ${
            chunk.map(() => "(?, ?)").join(", ")
          }) ORDER BY last_seen`,
        args: [since, ...chunk.flat()],
      });
      for (const row of result.rows) {
        const key = _pairKey(String(row.viewer_key), String(row.path));
        let coverage: Interval[] = [];
        try {
          coverage = mergeIntervals(JSON.parse(String(row.coverage))); // sorted, for addInterval
        } catch {
          // keep an empty coverage rather than fail the batch forever
        }
        open.set(key, {
          id: Number(row.id),
          key,
          first: null,
          firstSeen: Number(row.first_seen),
          lastSeen: Number(row.last_seen),
          requestCount: Number(row.request_count),
          bytes: Number(row.bytes),
          fileSize: row.file_size === null ? null : Number(row.file_size),
          coverage,
          changed: false,
        });
      }
    }

    // Assign each event, in start order, to the open viewing or a new one.
    const viewings: _Viewing[] = [];
    const assigned: _Viewing[] = [];
    for (const e of ordered) {
      const key = _pairKey(e.viewerKey, e.path);
      let v = open.get(key);
      if (v === undefined || e.startedAt - v.lastSeen > idleWindowMs) {
        v = {
          id: null,
          key,
          first: e,
          firstSeen: e.startedAt,
          lastSeen: e.endedAt,
          requestCount: 0,
          bytes: 0,
          fileSize: null,
          coverage: [],
          changed: true,
        };
        open.set(key, v);
        viewings.push(v);
      } else if (!v.changed) {
        v.changed = true;
        viewings.push(v);
      }
      v.firstSeen = Math.min(v.firstSeen, e.startedAt);
      v.lastSeen = Math.max(v.lastSeen, e.endedAt);
      v.requestCount++;
      v.bytes += e.bytesDelivered ?? e.bytesPlanned;
      if (e.fileSize !== null) v.fileSize = e.fileSize;
      for (const interval of e.covered) addInterval(v.coverage, interval);
      assigned.push(v);
    }

    // New viewings first, to learn their ids; then updates of existing ones.
    const created = viewings.filter((v) => v.id === null);
    if (created.length) {
      const results = await tx.batch(created.map((v): InStatement => {
        const e = v.first!;
        return {
          sql:
            "INSERT INTO watch_viewings (viewer_key, path, user_id, authenticated, client_ip, user_agent, " +
            "first_seen, last_seen, request_count, bytes, file_size, coverage, covered_bytes) " +
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          args: [
            e.viewerKey,
            e.path,
            e.userId,
            e.authenticated ? 1 : 0,
            e.clientIp,
            e.userAgent,
            v.firstSeen,
            v.lastSeen,
            v.requestCount,
            v.bytes,
            v.fileSize,
            JSON.stringify(v.coverage),
            coveredBytes(v.coverage),
          ],
        };
      }));
      created.forEach((v, i) => v.id = Number(results[i].rows[0].id));
    }
    const statements: InStatement[] = viewings.filter((v) => !created.includes(v)).map((v) => ({
      sql: "UPDATE watch_viewings SET first_seen = ?, last_seen = ?, request_count = ?, bytes = ?, " +
        "file_size = ?, coverage = ?, covered_bytes = ? WHERE id = ?",
      args: [
        v.firstSeen,
        v.lastSeen,
        v.requestCount,
        v.bytes,
        v.fileSize,
        JSON.stringify(v.coverage),
        coveredBytes(v.coverage),
        v.id,
      ],
    }));
    for (let i = 0; i < ordered.length; i += ROWS_PER_INSERT) {
      const rows = ordered.slice(i, i + ROWS_PER_INSERT);
      const args: InValue[] = [];
      rows.forEach((e, j) => {
        args.push(
          e.startedAt,
          e.path,
          e.userId,
          e.authenticated ? 1 : 0,
          e.clientIp,
          e.userAgent,
          e.status,
          e.fileSize,
          e.rangeStart,
          e.rangeEnd,
          e.rangeCount,
          e.bytesPlanned,
          e.bytesDelivered,
          e.durationMs,
          e.aborted ? 1 : 0,
          assigned[i + j].id,
          e.eventId,
        );
      });
      statements.push({
        sql: EVENT_INSERT + rows.map(() => EVENT_PLACEHOLDERS).join(", "),
        args,
      });
    }
    await tx.batch(statements);
    await tx.commit();
    return ordered.length;
  } finally {
    tx.close();
  }
}
