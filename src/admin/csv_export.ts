/**
 * The admin's CSV exports: the columns of each listing and of a video's parts, and a body that
 * pages through every row matching the filter without holding them all.
 *
 * @module
 */

import { securityHeaders } from "../html/html.ts";
import type { VideoReport, ViewingRecord, WatchEventRecord } from "../watch_log/types.ts";
import { csvLines } from "./csv.ts";

/** One CSV column: its header and how a row gives its cell. */
export type CsvColumn<T> = readonly [header: string, cell: (row: T) => unknown];

/** `value` rounded to `digits` decimals; `null` stays `null`. */
function rounded(value: number | null, digits: number): number | null {
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}

/** A viewing's figure, or `null` (an empty cell, as the page's "–") when it was counted in bytes only. */
function timed<T>(v: ViewingRecord, value: T): T | null {
  return v.mediaDuration === null ? null : value;
}

/** The columns of `viewings.csv`; the watch-time columns are empty for viewings counted in bytes only. */
export const VIEWING_CSV_COLUMNS: readonly CsvColumn<ViewingRecord>[] = [
  ["id", (v) => v.id],
  ["first_seen", (v) => v.firstSeen],
  ["last_seen", (v) => v.lastSeen],
  ["video", (v) => v.path],
  ["user", (v) => v.userId],
  ["authenticated", (v) => v.authenticated],
  ["ip", (v) => v.clientIp],
  ["requests", (v) => v.requestCount],
  ["bytes", (v) => v.bytes],
  ["file_size", (v) => v.fileSize],
  ["watched_share", (v) => rounded(v.watchedShare, 4)],
  ["media_duration", (v) => rounded(v.mediaDuration, 3)],
  ["watched_seconds", (v) => rounded(v.watchedSeconds, 3)],
  ["buffered_seconds", (v) => rounded(v.bufferedSeconds, 3)],
  ["seeks", (v) => timed(v, v.seeks)],
  ["completed", (v) => timed(v, v.completed)],
  ["last_position", (v) => rounded(v.lastPosition, 3)],
  ["user_agent", (v) => v.userAgent],
];

/** The columns of `requests.csv`. */
export const EVENT_CSV_COLUMNS: readonly CsvColumn<WatchEventRecord>[] = [
  ["id", (e) => e.id],
  ["time", (e) => e.startedAt],
  ["video", (e) => e.path],
  ["user", (e) => e.userId],
  ["authenticated", (e) => e.authenticated],
  ["ip", (e) => e.clientIp],
  ["status", (e) => e.status],
  ["range_start", (e) => e.rangeStart],
  ["range_end", (e) => e.rangeEnd],
  ["range_count", (e) => e.rangeCount],
  ["file_size", (e) => e.fileSize],
  ["bytes_planned", (e) => e.bytesPlanned],
  ["bytes_delivered", (e) => e.bytesDelivered],
  ["duration_ms", (e) => Math.round(e.durationMs)],
  ["aborted", (e) => e.aborted],
  ["viewing_id", (e) => e.viewingId],
  ["user_agent", (e) => e.userAgent],
];

/** One part (1 % of the duration) of a video, as a row of `video.csv`. */
export interface VideoPartRow {
  /** The part, from 0. */
  part: number;
  /** Where it starts, in seconds. */
  start: number;
  /** Where it ends, in seconds. */
  end: number;
  /** Viewings that reached it. */
  viewings: number;
  /** Their share of the viewings with watch time (0 to 1). */
  share: number;
  /** Seeks that landed in it. */
  seeks: number;
}

/**
 * The rows of `video.csv`: a video's retention curve and seek targets, part by part (none
 * when no viewing had watch time).
 *
 * @param video The video's figures.
 * @returns One row per part.
 */
export function videoPartRows(video: VideoReport): VideoPartRow[] {
  return video.retention.map((point, part) => ({
    part,
    start: point.start,
    end: point.end,
    viewings: point.viewings,
    share: point.share,
    seeks: video.seekTargets[part]?.seeks ?? 0,
  }));
}

/** The columns of `video.csv`. */
export const VIDEO_CSV_COLUMNS: readonly CsvColumn<VideoPartRow>[] = [
  ["part", (p) => p.part],
  ["start", (p) => rounded(p.start, 3)],
  ["end", (p) => rounded(p.end, 3)],
  ["viewings_reached", (p) => p.viewings],
  ["share_reached", (p) => rounded(p.share, 4)],
  ["seeks", (p) => p.seeks],
];

/** Rows fetched per query while exporting. */
const EXPORT_CHUNK = 1000;

/**
 * A CSV body: the header line, then the rows `fetchRows(offset, limit)` returns, a chunk of
 * queries at a time as the client reads, up to `maxRows` rows. The first chunk is read before
 * this resolves, so a database that cannot be read is known before any status is sent; a
 * later chunk that fails errors the stream, which the runtime ends without the final chunk
 * (HTTP/1.1) or with a reset (HTTP/2), so a client never takes a cut export for a whole one.
 *
 * @param columns The columns.
 * @param fetchRows Reads one page of rows.
 * @param maxRows The most rows exported.
 * @returns The body.
 * @throws What the first `fetchRows` call rejects with.
 */
export async function csvExportBody<T>(
  columns: readonly CsvColumn<T>[],
  fetchRows: (offset: number, limit: number) => Promise<readonly T[]>,
  maxRows: number,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const lines = (rows: readonly T[]) => csvLines(rows.map((row) => columns.map(([, cell]) => cell(row))));
  let limit = Math.min(EXPORT_CHUNK, maxRows); // maxRows is at least 1
  let rows = await fetchRows(0, limit);
  let offset = rows.length;
  // each call closes the stream when it has read the last rows, so no pull ends without a chunk
  // or a close (a reader would wait forever)
  const done = () => rows.length < limit || offset >= maxRows;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLines([columns.map(([header]) => header)]) + lines(rows)));
      if (done()) controller.close();
    },
    async pull(controller) {
      limit = Math.min(EXPORT_CHUNK, maxRows - offset);
      rows = await fetchRows(offset, limit);
      offset += rows.length;
      if (rows.length > 0) controller.enqueue(encoder.encode(lines(rows)));
      if (done()) controller.close();
    },
  });
}

/**
 * A CSV export as a download named `fileName`, never cached; HEAD gets the headers and the
 * body is cancelled, which stops its reads.
 *
 * @param req The request.
 * @param fileName The name the browser saves it as (no quote or backslash in it).
 * @param body The CSV, from {@linkcode csvExportBody}.
 * @returns The response.
 */
export function csvResponse(req: Request, fileName: string, body: ReadableStream<Uint8Array>): Response {
  const headers = securityHeaders();
  headers.set("content-type", "text/csv; charset=utf-8");
  headers.set("content-disposition", `attachment; filename="${fileName}"`);
  headers.set("cache-control", "no-store");
  if (req.method !== "HEAD") return new Response(body, { headers });
  void body.cancel();
  return new Response(null, { headers });
}
