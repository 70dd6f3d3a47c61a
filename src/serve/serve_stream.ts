/**
 * `serveStream()`: answers a GET or HEAD request for one media file with `200`, `206`, `304`,
 * `412` or `416`, as RFC 9110 says.
 *
 * @module
 */

import { httpDateNow } from "../core/http.ts";
import { checkServeOptions, type ChunkCapScope } from "../core/serve_options.ts";
import { streamFromGenerator } from "./generator_stream.ts";
import { evaluatePreconditions, fileETag } from "../core/conditional.ts";
import { contentTypeOf, DEFAULT_MEDIA_TYPE } from "../core/content_type.ts";
import { layoutMultipart, multipartChunks } from "../core/multipart.ts";
import { type ByteRange, parseRange } from "../core/range.ts";
import { runtime } from "../runtime/mod.ts";
import type { FileSource, FileStat, OpenFile } from "../runtime/types.ts";

/** The original package's `STREAM_MAX_LOAD_VOLUME`: 8 MiB per open-ended range response. */
export const DEFAULT_MAX_CHUNK_SIZE: number = 8 * 1024 * 1024;

export type { ChunkCapScope };

/** The `Sec-Fetch-Dest` values of media-element requests, which browsers repeat after a short 206. */
const MEDIA_ELEMENT_DESTINATIONS: ReadonlySet<string> = new Set(["video", "audio", "track"]);

/** Whether `maxChunkSize` applies to `req` under `scope`. */
function chunkCapApplies(req: Request, scope: ChunkCapScope): boolean {
  if (scope === "all") return true;
  const dest = req.headers.get("sec-fetch-dest");
  return dest !== null && MEDIA_ELEMENT_DESTINATIONS.has(dest.toLowerCase());
}

/** Bytes read per chunk for bodies read through JavaScript (multipart, ignored ranges on Bun). */
const READ_CHUNK_SIZE = 64 * 1024;

/**
 * Largest body read through JavaScript that is handed over as one buffer on a server that
 * drops a stream's `Content-Length` (Bun): up to this, the response keeps its length; past
 * it, the body is streamed chunked rather than held in memory.
 */
const BUFFERED_BODY_LIMIT = 1024 * 1024;

/** What happened to one response, reported to {@linkcode ServeStreamOptions.onServed}. */
export interface StreamEvent {
  /** The request that was answered. */
  request: Request;
  /** The file path that was asked for (as given in the options). */
  path: string;
  /** The response status. */
  status: number;
  /** The file's length in bytes, or `null` when it was not found. */
  size: number | null;
  /** The byte ranges sent: one for a 200 or single 206, several for multipart, none otherwise. */
  ranges: ByteRange[];
  /** The body length announced in `Content-Length` (`0` for HEAD and bodiless statuses). */
  bytesPlanned: number;
  /**
   * Body bytes the runtime took from the body and wrote on toward the client before it ended
   * (a chunk it still held when the client went away is not counted), or `null` when unknown:
   * Bun sends single ranges straight from the file, so there it is the length when the
   * response completed and `null` when it was cut short. Bytes still in socket buffers are
   * invisible to both runtimes: this is an upper bound on what the client received.
   */
  bytesDelivered: number | null;
  /** When `serveStream` was called. */
  startedAt: Date;
  /** Milliseconds from the call until the body ended (or until the response, without a body). */
  durationMs: number;
  /**
   * Whether the body ended before it was all sent: the client went away, stalled past
   * `stallTimeoutMs`, or the file failed.
   */
  aborted: boolean;
  /** The client's address, when the caller passed one as `clientAddress`. */
  clientAddress: string | null;
}

/** Options for {@linkcode serveStream}. */
export interface ServeStreamOptions {
  /** Path of the file to stream. Resolve and check it yourself (or use the ready handler). */
  path: string;
  /**
   * Longest body sent for an open-ended range (`bytes=N-`), in bytes: the original's
   * `STREAM_MAX_LOAD_VOLUME`. Applies only to the requests that `maxChunkSizeFor` names
   * (by default a browser's media elements, which ask again for the rest), so no client that
   * would take a short body for the whole file ever gets one. Closed ranges are honoured
   * exactly. `0` or `Infinity` disables the cap.
   *
   * @default {8388608}
   */
  maxChunkSize?: number;
  /**
   * Which requests `maxChunkSize` shortens:
   * - `"media-elements"`: only requests a browser makes for a `<video>`, `<audio>` or `<track>`
   *   element (`Sec-Fetch-Dest: video`, `audio` or `track`). Browsers ask again after a short
   *   `206`; downloaders (wget, curl), ffmpeg, GStreamer and HTTP libraries take the end of a
   *   body for the end of the file, so they get the whole range they asked for.
   * - `"all"`: every open-ended range, as the original package did. Truncates downloads.
   *
   * @default {"media-elements"}
   */
  maxChunkSizeFor?: ChunkCapScope;
  /**
   * Most ranges accepted in one `Range` header; more make the header ignored (`200`).
   *
   * @default {32}
   */
  maxRanges?: number;
  /**
   * The `Content-Type` to send. By default it comes from the file's extension (see
   * `MEDIA_TYPES`), and `application/octet-stream` when the extension is unknown.
   */
  contentType?: string;
  /** A `Cache-Control` value to send with 200, 206 and 304. None by default. */
  cacheControl?: string;
  /**
   * Cross-origin access: `"*"`, one origin, or a list of allowed origins (the request's
   * `Origin` is echoed when listed). Exposes `Content-Range`, `Accept-Ranges`, `Content-Length`
   * and `ETag` to scripts, and answers `OPTIONS` preflights. Off by default.
   */
  cors?: string | readonly string[];
  /**
   * When set, `Content-Disposition: attachment` with this file name, so browsers download.
   * Otherwise `Content-Disposition: inline` is sent.
   */
  downloadName?: string;
  /** Extra headers added to every response (they override the computed ones). */
  headers?: HeadersInit;
  /**
   * Called with the opened file's metadata before anything is sent: return `false` to answer
   * `404` (for example when it is not the file a path check saw).
   */
  accept?: (stat: FileStat) => boolean | Promise<boolean>;
  /**
   * Milliseconds a body may go unread before it is cut off and its connection closed, so a
   * client that stops reading (or a player paused for long) does not hold the connection and
   * the chunks already read forever. Applies where the body streams through JavaScript
   * (Deno); Bun sends the file itself and closes idle connections after `Bun.serve`'s
   * `idleTimeout`. `0` never cuts off. Players resume a cut stream with a new range request.
   *
   * @default {120000}
   */
  stallTimeoutMs?: number;
  /** Called once per response when its body has ended; errors it throws are ignored. */
  onServed?: (event: StreamEvent) => void;
  /** The client's address, passed through to `onServed`. */
  clientAddress?: string | null;
  /** Where files come from. Defaults to the current runtime's adapter; tests pass fakes. */
  source?: FileSource;
}

const EXPOSED_HEADERS = "Content-Range, Accept-Ranges, Content-Length, ETag";

/**
 * A response whose headers are set after it is made: given a `Headers` init, Deno's `Response`
 * copies and re-validates every header, which cost more than the rest of a `bytes=0-1` answer
 * (`deno task bench`, `probe`). A body's own type (a string's or a Blob's) is replaced by the
 * `content-type` set here, as it was by the init.
 */
function respond(body: BodyInit | null, status: number, headers: Map<string, string>): Response {
  const response = new Response(body, { status });
  const target = response.headers;
  for (const [name, value] of headers) target.set(name, value);
  return response;
}

function corsOrigin(cors: string | readonly string[] | undefined, req: Request): string | null {
  if (cors === undefined) return null;
  if (typeof cors === "string") return cors;
  const origin = req.headers.get("origin");
  return origin !== null && cors.includes(origin) ? origin : null;
}

/** RFC 6266 `Content-Disposition` with an ASCII fallback and the UTF-8 name. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const utf8 = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/**
 * Streams one media file in answer to a web-standard `Request`.
 *
 * GET and HEAD are answered (HEAD gets exactly GET's status and headers); other methods get
 * `405` with `Allow: GET, HEAD`. A missing file or a directory is `404`, an unreadable one
 * `403`. Preconditions are evaluated in RFC 9110 §13.2.2 order (`412`, `304`, `If-Range`),
 * then the `Range` header: one range is a `206` with `Content-Range`, several a
 * `multipart/byteranges` `206`, none satisfiable a `416` with `Content-Range: bytes *\/SIZE`,
 * and an invalid header is ignored (`200`). Open-ended ranges from media elements are capped
 * at `maxChunkSize`.
 *
 * The file is never read whole: bodies are streamed from the runtime (Bun sends slices from
 * the kernel), and the file is closed when the body ends, fails or is cancelled.
 *
 * @param req The request.
 * @param options The file and how to serve it, see {@linkcode ServeStreamOptions}.
 * @returns The response.
 * @throws {TypeError} When `options.path` is not a non-empty string.
 * @throws {RangeError} When `maxChunkSize`, `maxRanges` or `stallTimeoutMs` is negative or not
 * a number, or `maxChunkSizeFor` is not a known scope.
 *
 * @example Usage
 * ```ts
 * import { serveStream } from "@sage/stream";
 * import assert from "node:assert/strict";
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(tmpdir(), "example.mp4");
 * writeFileSync(path, new Uint8Array(1000));
 * const req = new Request("http://localhost/", { headers: { range: "bytes=0-1" } });
 * const res = await serveStream(req, { path });
 * assert.equal(res.status, 206);
 * assert.equal(res.headers.get("content-range"), "bytes 0-1/1000");
 * assert.equal((await res.arrayBuffer()).byteLength, 2);
 * ```
 */
export async function serveStream(req: Request, options: ServeStreamOptions): Promise<Response> {
  const {
    path,
    maxChunkSize = DEFAULT_MAX_CHUNK_SIZE,
    maxChunkSizeFor = "media-elements",
    maxRanges = 32,
    contentType,
    cacheControl,
    cors,
    downloadName,
    headers: extraHeaders,
    accept,
    onServed,
    clientAddress = null,
    stallTimeoutMs = 120_000,
    source = runtime.files,
  } = options ?? {} as ServeStreamOptions;
  if (typeof path !== "string" || path === "") {
    throw new TypeError('Cannot serve stream: "path" must be a non-empty string');
  }
  checkServeOptions({ maxChunkSize, maxChunkSizeFor, maxRanges, stallTimeoutMs }, "Cannot serve stream");

  const startedAt = new Date();
  const headers = new Map<string, string>([["date", httpDateNow(startedAt.getTime())]]);
  const origin = corsOrigin(cors, req);
  if (origin !== null) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    if (origin !== "*") headers.set("vary", "Origin");
  }

  let size: number | null = null;
  const report = (
    status: number,
    ranges: ByteRange[],
    bytesPlanned: number,
    bytesDelivered: number | null,
    aborted: boolean,
  ) => {
    if (!onServed) return;
    try {
      onServed({
        request: req,
        path,
        status,
        size,
        ranges,
        bytesPlanned,
        bytesDelivered,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        aborted,
        clientAddress,
      });
    } catch {
      // observers never break streaming
    }
  };
  // Responses without a file body: a short plain-text reason (HEAD gets its headers only),
  // extra headers applied, the event reported at once.
  const finish = (status: number, message: string | null): Response => {
    if (message !== null) {
      headers.set("content-type", "text/plain; charset=utf-8");
      headers.set("content-length", String(message.length));
      headers.set("x-content-type-options", "nosniff");
    }
    if (extraHeaders) new Headers(extraHeaders).forEach((v, k) => headers.set(k, v));
    report(status, [], 0, 0, false);
    return respond(req.method === "HEAD" ? null : message, status, headers);
  };

  if (req.method === "OPTIONS" && origin !== null) {
    headers.set("access-control-allow-methods", "GET, HEAD, OPTIONS");
    headers.set(
      "access-control-allow-headers",
      req.headers.get("access-control-request-headers") ?? "Range, If-Range, If-Match, If-None-Match",
    );
    headers.set("access-control-max-age", "86400");
    return finish(204, null);
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    headers.set("allow", "GET, HEAD");
    return finish(405, "Method Not Allowed");
  }

  const opened = await source.open(path);
  if (opened === "not-found") return finish(404, "Not Found");
  if (opened === "forbidden") return finish(403, "Forbidden");
  const file: OpenFile = opened;
  try {
    if (!file.stat.isFile || (accept && !(await accept(file.stat)))) {
      file.close();
      return finish(404, "Not Found");
    }
  } catch (error) {
    file.close();
    throw error;
  }
  size = file.stat.size;

  const etag = fileETag(file.stat);
  const lastModified = file.stat.mtime;
  headers.set("etag", etag);
  if (lastModified) headers.set("last-modified", lastModified.toUTCString());
  if (cacheControl !== undefined) headers.set("cache-control", cacheControl);

  const precondition = evaluatePreconditions(req.headers, { etag, lastModified });
  if (precondition === 412) {
    file.close();
    return finish(412, "Precondition Failed");
  }
  if (precondition === 304) {
    file.close();
    return finish(304, null);
  }

  const type = contentType ?? contentTypeOf(path) ?? DEFAULT_MEDIA_TYPE;
  headers.set("accept-ranges", "bytes");
  headers.set("x-content-type-options", "nosniff");
  // Explicit even when inline: Bun otherwise adds a type-less `filename=` to file bodies (and
  // only to them, so HEAD and GET would differ).
  headers.set(
    "content-disposition",
    downloadName === undefined ? "inline" : contentDisposition(downloadName),
  );

  const ranges = precondition === "full" ? null : parseRange(req.headers.get("range"), size, {
    maxOpenEndedLength: chunkCapApplies(req, maxChunkSizeFor) ? maxChunkSize : 0,
    maxRanges,
  });
  if (ranges === "unsatisfiable") {
    file.close();
    headers.set("content-range", `bytes */${size}`);
    return finish(416, "Range Not Satisfiable");
  }

  // A body read through JavaScript rather than handed to the runtime as a file body: multipart
  // ones, and on a server that would re-apply the ignored Range header to a file body, a 200.
  const readThrough = (parts: ByteRange[], bytes: number, chunks: AsyncGenerator<Uint8Array>) => {
    const owned = (async function* () {
      try {
        yield* chunks;
      } finally {
        file.close(); // the generator's finally covers end, error and cancel alike
      }
    })();
    const done = (delivered: number, aborted: boolean) => report(status, parts, bytes, delivered, aborted);
    return source.streamsKeepLength === false && bytes <= BUFFERED_BODY_LIMIT
      ? bufferBody(owned, done)
      : streamFromGenerator(owned, done);
  };

  let status: number;
  let length: number;
  let sent: ByteRange[];
  let body: (() => BodyInit | Promise<BodyInit>) | null;
  if (ranges === null || ranges.length === 1) {
    const range = ranges?.[0] ?? { start: 0, end: size - 1 };
    status = ranges ? 206 : 200;
    length = range.end - range.start + 1;
    sent = length > 0 ? [range] : [];
    if (ranges) headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
    headers.set("content-type", type);
    const ignoredRange = ranges === null && source.appliesRangeToFileBodies === true &&
      req.headers.has("range");
    body = length === 0
      ? null
      : ignoredRange
      ? () => readThrough(sent, length, file.read(sent, READ_CHUNK_SIZE))
      : () =>
        file.body(range, (bytes, aborted) => report(status, sent, length, bytes, aborted), {
          stallTimeoutMs,
          request: req,
        });
  } else {
    const layout = layoutMultipart(ranges, size, type);
    status = 206;
    length = layout.length;
    sent = ranges;
    headers.set("content-type", layout.contentType);
    body = () =>
      readThrough(sent, length, multipartChunks(layout, (range) => file.read([range], READ_CHUNK_SIZE)));
  }
  headers.set("content-length", String(length));
  // Both runtimes stamp Date on responses with a body themselves; a Date of ours there made
  // Bun send 1 MiB ranges 25 % slower (`deno task bench`, `seek`). Bodiless ones keep it.
  if (req.method !== "HEAD" && body !== null) headers.delete("date");
  if (extraHeaders) new Headers(extraHeaders).forEach((v, k) => headers.set(k, v));

  if (req.method === "HEAD" || body === null) {
    file.close();
    report(status, sent, req.method === "HEAD" ? 0 : length, 0, false);
    return respond(null, status, headers);
  }
  if (sent.length === 1) {
    const ready = file.beforeBody?.(length);
    if (ready !== undefined) await ready;
  }
  return respond(await body(), status, headers);
}

/**
 * Collects `chunks` into one buffer, for servers that drop a stream body's `Content-Length`;
 * bounded by `BUFFERED_BODY_LIMIT`.
 */
async function bufferBody(
  chunks: AsyncGenerator<Uint8Array>,
  onEnd: (bytes: number, aborted: boolean) => void,
): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      parts.push(chunk);
      bytes += chunk.byteLength;
    }
  } catch (error) {
    // as a streamed body would: the response stands, its body errors
    onEnd(0, true);
    return new ReadableStream({ start: (controller) => controller.error(error) });
  }
  const buffer = new Uint8Array(bytes);
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.byteLength;
  }
  onEnd(bytes, false);
  return buffer;
}
