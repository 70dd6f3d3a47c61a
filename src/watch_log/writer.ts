/**
 * Writes a batch of events in one transaction, assigning each to a viewing. The viewing lookup
 * and update happen inside the write transaction, so processes sharing a database never split
 * or double one viewing; events whose id is already stored are skipped in the same
 * transaction, so a batch sent twice (its commit succeeded, its answer was lost) counts once.
 *
 * @module
 */

import type { Client, InStatement, InValue, Row, Transaction } from "@libsql/client";
import { addInterval, coveredBytes, type Interval, mergeIntervals } from "./viewings.ts";
import type { WatchEvent } from "./event.ts";
import { tryWriteLock } from "./write_lock.ts";
import { addTimedRequest, emptyViewingTime, parseViewingTime, type ViewingTime } from "./watch_time.ts";
import { type VideoDelta, videoDeltaOf, videoStatements } from "./video_figures.ts";

/** A viewing as the batch changes it: read from the database (`id` set) or new (`first` set). */
interface _Viewing {
  id: number | null;
  path: string;
  /** The event that opened a new viewing, whose identity the row keeps; `null` when read. */
  first: WatchEvent | null;
  firstSeen: number;
  lastSeen: number;
  requestCount: number;
  bytes: number;
  fileSize: number | null;
  coverage: Interval[];
  /** Its media time, or `null` while it is counted in bytes only. */
  time: ViewingTime | null;
  /** Its media time as stored before this batch (JSON), or `null`: what its video's figures hold of it. */
  storedTime: string | null;
  /** Whether an event of this batch joined it, so its row must be written. */
  changed: boolean;
}

/** Each event's viewing, and the viewings to write: the new ones and the existing ones changed. */
interface _Assignment {
  viewingOf: _Viewing[];
  created: _Viewing[];
  updated: _Viewing[];
}

const EVENT_INSERT = "INSERT INTO watch_events (started_at, path, user_id, authenticated, client_ip, " +
  "user_agent, status, file_size, range_start, range_end, range_count, bytes_planned, bytes_delivered, " +
  "duration_ms, aborted, viewing_id, event_id, media_start, media_end) VALUES ";
const EVENT_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const VIEWING_INSERT =
  "INSERT INTO watch_viewings (viewer_key, path, user_id, authenticated, client_ip, user_agent, " +
  "first_seen, last_seen, request_count, bytes, file_size, coverage, covered_bytes, " +
  "media_duration, media_time, watched_seconds, buffered_seconds, seeks, completed, last_position) " +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
const VIEWING_UPDATE = "UPDATE watch_viewings SET first_seen = ?, last_seen = ?, request_count = ?, " +
  "bytes = ?, file_size = ?, coverage = ?, covered_bytes = ?, media_duration = ?, media_time = ?, " +
  "watched_seconds = ?, buffered_seconds = ?, seeks = ?, completed = ?, last_position = ? WHERE id = ?";
const VIEWING_COLUMNS =
  "id, viewer_key, path, first_seen, last_seen, request_count, bytes, file_size, coverage, media_time";
/** Rows per INSERT statement: 19 columns × 100 stays far below SQLite's parameter limit. */
const ROWS_PER_INSERT = 100;
/** Ids or (viewer, path) pairs per lookup statement, for the same limit. */
const KEYS_PER_LOOKUP = 200;

/** What {@linkcode writeEvents} did. */
export interface WriteOutcome {
  /** Events this call stored. */
  written: number;
  /** Ids of events that were stored already (by an earlier send whose answer was lost, or another writer). */
  alreadyStored: string[];
}

/**
 * Writes `events` and updates their viewings in one write transaction; events already stored
 * (same `eventId`) are skipped.
 *
 * @param client The database (schema already migrated).
 * @param events The events; not modified.
 * @param idleWindowMs The longest gap inside one viewing.
 * @returns How many events were new, and the ids of those found already stored.
 */
export async function writeEvents(
  client: Client,
  events: readonly WatchEvent[],
  idleWindowMs: number,
): Promise<WriteOutcome> {
  if (events.length === 0) return { written: 0, alreadyStored: [] };
  await tryWriteLock(client);
  const tx = await client.transaction("write");
  try {
    const { fresh, alreadyStored } = await _unstoredInStartOrder(tx, events);
    if (fresh.length === 0) return { written: 0, alreadyStored }; // every event was stored by an earlier send
    const open = await _openViewings(tx, fresh, fresh[0].startedAt - idleWindowMs);
    const { viewingOf, created, updated } = _assignViewings(fresh, open, idleWindowMs);
    const figures = _figuresOf(created, updated);
    await _insertViewings(tx, created, figures);
    await tx.batch([
      ...updated.map((v) => _viewingUpdate(v, figures.get(v)!)),
      ..._eventInserts(fresh, viewingOf),
      ...videoStatements([...figures.values()]),
    ]);
    await _commit(tx);
    return { written: fresh.length, alreadyStored };
  } finally {
    tx.close();
  }
}

/** Errors of a commit whose outcome is unknown: sent, but no answer came back. */
const inDoubt = new WeakSet<object>();

/**
 * Whether `error` failed a commit that the database may have carried out all the same (its
 * answer lost). Errors before the commit leave nothing written: the transaction rolls back.
 *
 * @param error What `writeEvents` threw.
 * @returns `true` when the events may be stored.
 */
export function commitInDoubt(error: unknown): boolean {
  return typeof error === "object" && error !== null && inDoubt.has(error);
}

async function _commit(tx: Transaction): Promise<void> {
  try {
    await tx.commit();
  } catch (error) {
    if (typeof error === "object" && error !== null) inDoubt.add(error);
    throw error;
  }
}

/** `items` in slices of at most `size`. */
function* _chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function _pairKey(viewer: string, path: string): string {
  return `${viewer}\u0000${path}`;
}

/** The events not yet stored, each id once, sorted by start; and the ids already stored. */
async function _unstoredInStartOrder(
  tx: Transaction,
  events: readonly WatchEvent[],
): Promise<{ fresh: WatchEvent[]; alreadyStored: string[] }> {
  const stored = await _storedIds(tx, events);
  const seen = new Set(stored);
  const fresh: WatchEvent[] = [];
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    fresh.push(e);
  }
  return { fresh: fresh.sort((a, b) => a.startedAt - b.startedAt), alreadyStored: [...stored] };
}

/** Ids of `events` already stored, read inside the write transaction. */
async function _storedIds(tx: Transaction, events: readonly WatchEvent[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (const chunk of _chunks(events, KEYS_PER_LOOKUP)) {
    const result = await tx.execute({
      sql: `SELECT event_id FROM watch_events WHERE event_id IN (${chunk.map(() => "?").join(", ")})`,
      args: chunk.map((e) => e.eventId),
    });
    for (const row of result.rows) stored.add(String(row.event_id));
  }
  return stored;
}

/** The latest viewing of each (viewer, path) of `events` still open at `since`, by pair key. */
async function _openViewings(
  tx: Transaction,
  events: readonly WatchEvent[],
  since: number,
): Promise<Map<string, _Viewing>> {
  const pairs = new Map<string, [string, string]>();
  for (const e of events) pairs.set(_pairKey(e.viewerKey, e.path), [e.viewerKey, e.path]);
  const open = new Map<string, _Viewing>();
  for (const chunk of _chunks([...pairs.values()], KEYS_PER_LOOKUP)) {
    const result = await tx.execute({
      sql: `SELECT ${VIEWING_COLUMNS} FROM watch_viewings WHERE last_seen >= ? AND (viewer_key, path) ` +
        `IN (VALUES ${chunk.map(() => "(?, ?)").join(", ")}) ORDER BY last_seen`,
      args: [since, ...chunk.flat()],
    });
    // ordered by last_seen: the latest of a pair is set last
    for (const row of result.rows) {
      open.set(_pairKey(String(row.viewer_key), String(row.path)), _storedViewing(row));
    }
  }
  return open;
}

function _storedViewing(row: Row): _Viewing {
  let coverage: Interval[] = [];
  try {
    coverage = mergeIntervals(JSON.parse(String(row.coverage))); // sorted, for addInterval
  } catch {
    // keep an empty coverage rather than fail the batch forever
  }
  const storedTime = row.media_time === null || row.media_time === undefined ? null : String(row.media_time);
  return {
    id: Number(row.id),
    path: String(row.path),
    first: null,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    requestCount: Number(row.request_count),
    bytes: Number(row.bytes),
    fileSize: row.file_size === null ? null : Number(row.file_size),
    coverage,
    time: parseViewingTime(storedTime),
    storedTime,
    changed: false,
  };
}

function _newViewing(first: WatchEvent): _Viewing {
  return {
    id: null,
    path: first.path,
    first,
    firstSeen: first.startedAt,
    lastSeen: first.endedAt,
    requestCount: 0,
    bytes: 0,
    fileSize: null,
    coverage: [],
    time: null,
    storedTime: null,
    changed: true,
  };
}

/**
 * Assigns each event, in start order, to its pair's open viewing, or to a new one when the gap
 * since that viewing's last request is longer than `idleWindowMs`. Updates `open`.
 */
function _assignViewings(
  events: readonly WatchEvent[],
  open: Map<string, _Viewing>,
  idleWindowMs: number,
): _Assignment {
  const assignment: _Assignment = { viewingOf: [], created: [], updated: [] };
  for (const e of events) {
    const key = _pairKey(e.viewerKey, e.path);
    let v = open.get(key);
    if (v === undefined || e.startedAt - v.lastSeen > idleWindowMs) {
      v = _newViewing(e);
      open.set(key, v);
      assignment.created.push(v);
    } else if (!v.changed) {
      v.changed = true;
      assignment.updated.push(v);
    }
    _addToViewing(v, e);
    assignment.viewingOf.push(v);
  }
  return assignment;
}

function _addToViewing(v: _Viewing, e: WatchEvent): void {
  v.firstSeen = Math.min(v.firstSeen, e.startedAt);
  v.lastSeen = Math.max(v.lastSeen, e.endedAt);
  v.requestCount++;
  v.bytes += e.bytesDelivered ?? e.bytesPlanned;
  if (e.fileSize !== null) v.fileSize = e.fileSize;
  for (const interval of e.covered) addInterval(v.coverage, interval);
  // events spooled by an older version have no media fields
  if (e.mediaDuration != null && e.mediaSeconds?.length > 0) {
    v.time ??= emptyViewingTime(e.mediaDuration);
    addTimedRequest(v.time, {
      duration: e.mediaDuration,
      seconds: e.mediaSeconds,
      startedAt: e.startedAt,
      endedAt: e.endedAt,
    });
  }
}

/** What each viewing written adds to (or changes in) its video's figures. */
function _figuresOf(created: readonly _Viewing[], updated: readonly _Viewing[]): Map<_Viewing, VideoDelta> {
  const figures = new Map<_Viewing, VideoDelta>();
  for (const v of created) figures.set(v, videoDeltaOf(v.path, true, null, v.time));
  for (const v of updated) {
    figures.set(v, videoDeltaOf(v.path, false, parseViewingTime(v.storedTime), v.time));
  }
  return figures;
}

/** Inserts the new viewings and sets their ids, which the events' rows need. */
async function _insertViewings(
  tx: Transaction,
  created: readonly _Viewing[],
  figures: ReadonlyMap<_Viewing, VideoDelta>,
): Promise<void> {
  if (created.length === 0) return;
  const results = await tx.batch(created.map((v) => _viewingInsert(v, figures.get(v)!)));
  created.forEach((v, i) => v.id = Number(results[i].rows[0].id));
}

function _viewingInsert(v: _Viewing, figures: VideoDelta): InStatement {
  const e = v.first!;
  return {
    sql: VIEWING_INSERT,
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
      ..._timeArgs(v, figures),
    ],
  };
}

/** The watch-time columns of a viewing's row. */
function _timeArgs(v: _Viewing, figures: VideoDelta): InValue[] {
  const after = figures.after;
  if (v.time === null || after === null) return [null, null, null, null, 0, 0, null];
  return [
    v.time.duration,
    JSON.stringify(v.time),
    after.watchedSeconds,
    after.bufferedSeconds,
    after.seeks,
    after.completed ? 1 : 0,
    after.lastPosition,
  ];
}

function _viewingUpdate(v: _Viewing, figures: VideoDelta): InStatement {
  return {
    sql: VIEWING_UPDATE,
    args: [
      v.firstSeen,
      v.lastSeen,
      v.requestCount,
      v.bytes,
      v.fileSize,
      JSON.stringify(v.coverage),
      coveredBytes(v.coverage),
      ..._timeArgs(v, figures),
      v.id,
    ],
  };
}

/** Multi-row INSERTs of `events`, each row pointing at its viewing (`viewingOf[i]` for `events[i]`). */
function _eventInserts(events: readonly WatchEvent[], viewingOf: readonly _Viewing[]): InStatement[] {
  const statements: InStatement[] = [];
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    const rows = events.slice(i, i + ROWS_PER_INSERT);
    statements.push({
      sql: EVENT_INSERT + rows.map(() => EVENT_PLACEHOLDERS).join(", "),
      args: rows.flatMap((e, j) => _eventArgs(e, viewingOf[i + j].id)),
    });
  }
  return statements;
}

function _eventArgs(e: WatchEvent, viewingId: number | null): InValue[] {
  return [
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
    viewingId,
    e.eventId,
    e.mediaSeconds?.[0]?.[0] ?? null,
    e.mediaSeconds?.[e.mediaSeconds.length - 1]?.[1] ?? null,
  ];
}
