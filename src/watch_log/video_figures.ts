/**
 * The per-video figures the writer keeps in `watch_videos` and `watch_video_parts`: each write
 * adds what its viewings changed (new viewings, seconds reached, completions, seeks, parts of
 * the retention curve reached), so a video's report reads one row and its parts, however many
 * viewings it has.
 *
 * @module
 */

import type { InStatement, InValue } from "@libsql/client";
import { type Contribution, contributionOf, RETENTION_PARTS, type ViewingTime } from "./watch_time.ts";

/** What one viewing written in a batch changes in its video's figures. */
export interface VideoDelta {
  path: string;
  /** Whether the viewing is new. */
  created: boolean;
  /** Its contribution as stored before the batch, or `null`. */
  before: Contribution | null;
  /** Its contribution now, or `null` while it is counted in bytes only. */
  after: Contribution | null;
  /** The media's length now, or `null`. */
  duration: number | null;
}

/**
 * The change one viewing makes to its video's figures.
 *
 * @param path The video's path.
 * @param created Whether the viewing is new.
 * @param before Its media time as stored before, or `null`.
 * @param after Its media time now, or `null`.
 * @returns The change.
 */
export function videoDeltaOf(
  path: string,
  created: boolean,
  before: ViewingTime | null,
  after: ViewingTime | null,
): VideoDelta {
  return {
    path,
    created,
    before: before === null ? null : contributionOf(before),
    after: after === null ? null : contributionOf(after),
    duration: after?.duration ?? null,
  };
}

/** A video's figures changed by a batch, summed over its viewings. */
interface _Sum {
  viewings: number;
  timed: number;
  watched: number;
  buffered: number;
  completed: number;
  seeks: number;
  duration: number | null;
  reached: Int32Array;
  seekParts: Int32Array;
}

const VIDEO_UPSERT = "INSERT INTO watch_videos (path, viewings, timed_viewings, watched_seconds, " +
  "buffered_seconds, completed, seeks, duration) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET " +
  "viewings = viewings + excluded.viewings, timed_viewings = timed_viewings + excluded.timed_viewings, " +
  "watched_seconds = watched_seconds + excluded.watched_seconds, " +
  "buffered_seconds = buffered_seconds + excluded.buffered_seconds, completed = completed + excluded.completed, " +
  "seeks = seeks + excluded.seeks, duration = coalesce(excluded.duration, duration)";
const PARTS_UPSERT = "INSERT INTO watch_video_parts (path, part, reached, seeks) VALUES ";
const PARTS_CONFLICT = " ON CONFLICT (path, part) DO UPDATE SET reached = reached + excluded.reached, " +
  "seeks = seeks + excluded.seeks";

/**
 * The statements that add a batch's changes to the per-video figures: one upsert per video, one
 * for the parts whose counts changed.
 *
 * @param deltas What each viewing written changed.
 * @returns The statements, for the batch's write transaction.
 */
export function videoStatements(deltas: readonly VideoDelta[]): InStatement[] {
  const statements: InStatement[] = [];
  for (const [path, sum] of _sums(deltas)) {
    statements.push({
      sql: VIDEO_UPSERT,
      args: [
        path,
        sum.viewings,
        sum.timed,
        sum.watched,
        sum.buffered,
        sum.completed,
        sum.seeks,
        sum.duration,
      ],
    });
    const parts: InValue[] = [];
    for (let part = 0; part < RETENTION_PARTS; part++) {
      if (sum.reached[part] !== 0 || sum.seekParts[part] !== 0) {
        parts.push(path, part, sum.reached[part], sum.seekParts[part]);
      }
    }
    if (parts.length > 0) {
      const rows = Array.from({ length: parts.length / 4 }, () => "(?, ?, ?, ?)").join(", ");
      statements.push({ sql: PARTS_UPSERT + rows + PARTS_CONFLICT, args: parts });
    }
  }
  return statements;
}

function _sums(deltas: readonly VideoDelta[]): Map<string, _Sum> {
  const sums = new Map<string, _Sum>();
  for (const delta of deltas) {
    let sum = sums.get(delta.path);
    if (sum === undefined) sums.set(delta.path, sum = _emptySum());
    if (delta.created) sum.viewings++;
    _add(sum, delta.after, 1);
    _add(sum, delta.before, -1);
    if (delta.duration !== null) sum.duration = delta.duration;
  }
  return sums;
}

function _emptySum(): _Sum {
  return {
    viewings: 0,
    timed: 0,
    watched: 0,
    buffered: 0,
    completed: 0,
    seeks: 0,
    duration: null,
    reached: new Int32Array(RETENTION_PARTS),
    seekParts: new Int32Array(RETENTION_PARTS),
  };
}

function _add(sum: _Sum, contribution: Contribution | null, sign: 1 | -1): void {
  if (contribution === null) return;
  sum.timed += sign;
  sum.watched += sign * contribution.watchedSeconds;
  sum.buffered += sign * contribution.bufferedSeconds;
  sum.completed += sign * (contribution.completed ? 1 : 0);
  sum.seeks += sign * contribution.seeks;
  for (let part = 0; part < RETENTION_PARTS; part++) {
    sum.reached[part] += sign * contribution.reached[part];
    sum.seekParts[part] += sign * contribution.seekParts[part];
  }
}
