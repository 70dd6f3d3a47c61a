/**
 * One event mapping: what a served response (or a `logWatchRequest` entry) becomes in the
 * watch log. A {@linkcode WatchEvent} holds only the strings and numbers the database stores,
 * never the `Request`, so a queue of them costs a few hundred bytes per event, and it can be
 * posted to the writer's thread or spooled as JSON as it is.
 *
 * @module
 */

import type { StreamEvent } from "../serve/serve_stream.ts";
import type { ByteRange } from "../core/range.ts";
import type { WatchIdentity, WatchRequestEntry } from "./types.ts";
import type { MediaSeconds } from "../serve/media_time.ts";
import { type Interval, servedIntervals, viewerKey } from "./viewings.ts";

/** An event ready to be written: identity resolved, times in ms, an id that makes resends idempotent. */
export interface WatchEvent {
  /** A unique id: the database keeps one row per id, however often the event is sent. */
  eventId: string;
  /** Request start, ms since the epoch. */
  startedAt: number;
  /** Body end, ms since the epoch. */
  endedAt: number;
  path: string;
  userId: string | null;
  authenticated: boolean;
  clientIp: string | null;
  userAgent: string | null;
  status: number;
  fileSize: number | null;
  rangeStart: number | null;
  rangeEnd: number | null;
  rangeCount: number;
  bytesPlanned: number;
  /** Body bytes the client took, or `null` where the runtime cannot tell. */
  bytesDelivered: number | null;
  durationMs: number;
  aborted: boolean;
  /** Who watched: the key `viewerKey()` makes from the user, or the address and user agent. */
  viewerKey: string;
  /** The intervals the response covered. */
  covered: Interval[];
  /** The media's length in seconds when its index mapped the bytes to time, else `null`. */
  mediaDuration: number | null;
  /** The seconds of media the bytes covered (sorted, disjoint); empty without `mediaDuration`. */
  mediaSeconds: [number, number][];
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

/** The identity of a request nobody identified. */
export const ANONYMOUS: WatchIdentity = { userId: null, authenticated: false };

/** `text` cut to `max` code units, never in the middle of a surrogate pair. */
function _cap(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

type _Facts = Omit<WatchEvent, "eventId" | "viewerKey" | "userId" | "authenticated">;

function _complete(facts: _Facts, identity: WatchIdentity): WatchEvent {
  const limits = STORED_STRING_LIMITS;
  const userId = _cap(identity.userId ?? null, limits.userId);
  const clientIp = _cap(facts.clientIp, limits.clientIp);
  const userAgent = _cap(facts.userAgent, limits.userAgent);
  return {
    ...facts,
    eventId: crypto.randomUUID(),
    path: _cap(facts.path, limits.path)!,
    clientIp,
    userAgent,
    userId,
    authenticated: identity.authenticated === true,
    viewerKey: viewerKey(userId, clientIp, userAgent),
  };
}

/**
 * The media fields of an event: a duration and seconds that are finite, inside it, sorted and
 * disjoint, or none (a custom handler's `media` is not trusted to be well formed).
 */
function _media(media: MediaSeconds | null | undefined): Pick<WatchEvent, "mediaDuration" | "mediaSeconds"> {
  const duration = media?.duration;
  if (typeof duration !== "number" || !(duration > 0) || !Number.isFinite(duration)) {
    return { mediaDuration: null, mediaSeconds: [] };
  }
  const seconds: [number, number][] = [];
  const given = Array.isArray(media!.seconds) ? media!.seconds : [];
  const clamp = (t: unknown) => Math.min(duration, Math.max(0, Number(t)));
  const valid = given
    .filter((i) => Array.isArray(i) && Number.isFinite(Number(i[0])) && Number.isFinite(Number(i[1])))
    .map((i): [number, number] => [clamp(i[0]), clamp(i[1])])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  for (const interval of valid) {
    const last = seconds[seconds.length - 1];
    if (last !== undefined && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
    else seconds.push(interval);
  }
  return { mediaDuration: duration, mediaSeconds: seconds };
}

function _span(ranges: readonly ByteRange[]): { rangeStart: number | null; rangeEnd: number | null } {
  if (ranges.length === 0) return { rangeStart: null, rangeEnd: null };
  let rangeStart = ranges[0].start;
  let rangeEnd = ranges[0].end;
  for (const r of ranges) {
    if (r.start < rangeStart) rangeStart = r.start;
    if (r.end > rangeEnd) rangeEnd = r.end;
  }
  return { rangeStart, rangeEnd };
}

/**
 * The watch-log event for one served response.
 *
 * @param e What `serveStream` reported.
 * @param identity Who made the request.
 * @returns The event, with a fresh id.
 */
export function eventFromServed(e: StreamEvent, identity: WatchIdentity): WatchEvent {
  const startedAt = e.startedAt.getTime();
  return _complete({
    startedAt,
    endedAt: startedAt + e.durationMs,
    path: e.path,
    clientIp: e.clientAddress,
    userAgent: e.request.headers.get("user-agent"),
    status: e.status,
    fileSize: e.size,
    ..._span(e.ranges),
    rangeCount: e.ranges.length,
    bytesPlanned: e.bytesPlanned,
    bytesDelivered: e.bytesDelivered,
    durationMs: e.durationMs,
    aborted: e.aborted,
    covered: servedIntervals(e.ranges, e.bytesDelivered, e.aborted),
    ..._media(e.media),
  }, identity);
}

/**
 * The watch-log event for one `logWatchRequest` entry.
 *
 * @param entry What was watched, by whom.
 * @returns The event, with a fresh id.
 * @throws {TypeError} When `entry.path` is not a non-empty string.
 */
export function eventFromEntry(entry: WatchRequestEntry): WatchEvent {
  if (typeof entry?.path !== "string" || entry.path === "") {
    throw new TypeError('Cannot log watch request: "path" must be a non-empty string');
  }
  const at = (entry.at ?? new Date()).getTime();
  const ranges = entry.ranges ?? [];
  const planned = entry.bytes ?? ranges.reduce((n, r) => n + r.end - r.start + 1, 0);
  const userId = entry.userId ?? null;
  return _complete({
    startedAt: at,
    endedAt: at + (entry.durationMs ?? 0),
    path: entry.path,
    clientIp: entry.clientIp ?? null,
    userAgent: entry.userAgent ?? entry.request?.headers.get("user-agent") ?? null,
    status: entry.status ?? 200,
    fileSize: entry.size ?? null,
    ..._span(ranges),
    rangeCount: ranges.length,
    bytesPlanned: planned,
    bytesDelivered: entry.bytes ?? null,
    durationMs: entry.durationMs ?? 0,
    aborted: entry.aborted ?? false,
    covered: servedIntervals(ranges, entry.bytes ?? null, entry.aborted ?? false),
    ..._media(entry.media),
  }, { userId, authenticated: entry.authenticated ?? userId !== null });
}
