/**
 * `serveStream()`: answers a GET or HEAD request for one media file with `200`, `206`, `304`,
 * `412` or `416`, as RFC 9110 says.
 *
 * What to answer is planned in `src/core/response_plan.ts` from the request, the file's
 * metadata and the options; this file opens the file, asks for the plan and carries it out.
 *
 * @module
 */

import { concatBytes } from "../core/bytes.ts";
import type { FileStat } from "../core/file_stat.ts";
import { httpDateNow } from "../core/http.ts";
import { multipartChunks } from "../core/multipart.ts";
import {
  checkPacingOptions,
  type Pace,
  pacingIsRelative,
  type PacingOptions,
  resolvePacing,
} from "../core/pacing.ts";
import { createMediaIndexCache, type MediaIndexCache } from "../media/index_cache.ts";
import { composeFile } from "./composed_file.ts";
import { type ClipSpan, type MediaWish, planMediaLayout } from "./media_layout.ts";
import type { ByteRange } from "../core/range.ts";
import {
  planFileResponse,
  planMediaRefusal,
  planMethodExit,
  type PlannedBody,
  planRefusal,
  type ResponsePlan,
  type ResponsePlanOptions,
} from "../core/response_plan.ts";
import { checkServeOptions, type ChunkCapScope, scopeApplies } from "../core/serve_options.ts";
import { runtime } from "../runtime/mod.ts";
import type { FileSource, OpenFile } from "../runtime/types.ts";
import { streamFromGenerator } from "./generator_stream.ts";
import { pacedChunks } from "./paced_chunks.ts";
import { type MediaSeconds, mediaSecondsServed } from "./media_time.ts";
import { servedIntervals } from "../core/served_intervals.ts";
import type { ByteLayout } from "../core/byte_layout.ts";
import type { MediaFileIndex } from "../media/read_media_index.ts";

/** The default `maxChunkSize`: 8 MiB per open-ended range answered to a media element. */
export const DEFAULT_MAX_CHUNK_SIZE: number = 8 * 1024 * 1024;

export type { ChunkCapScope };

/** Bytes read per chunk for bodies read through JavaScript (multipart, ignored ranges). */
const READ_CHUNK_SIZE = 64 * 1024;

/**
 * Largest body read through JavaScript that is handed over as one buffer on a server that
 * drops a stream's `Content-Length`: up to this, the response keeps its length; past it, the
 * body is streamed chunked rather than held in memory.
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
  /**
   * The seconds of media the delivered bytes covered, with the media's length: set with the
   * `mediaTime` option for files whose media index maps bytes to time; `null` or absent
   * otherwise.
   */
  media?: MediaSeconds | null;
}

/** Options for {@linkcode serveStream}. */
export interface ServeStreamOptions {
  /** Path of the file to stream. Resolve and check it yourself (or use the ready handler). */
  path: string;
  /**
   * Longest body sent for an open-ended range (`bytes=N-`), in bytes. Applies only to the
   * requests that `maxChunkSizeFor` names (by default a browser's media elements, which ask
   * again for the rest), so no client that would take a short body for the whole file ever
   * gets one. Closed ranges are honoured exactly. `0` or `Infinity` disables the cap.
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
   * - `"all"`: every open-ended range. Truncates downloads.
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
   * `404` (for example when it is not the file a path check saw). Errors it throws propagate
   * to the caller, and the file is closed.
   */
  verifyFile?: (stat: FileStat) => boolean | Promise<boolean>;
  /**
   * The former name of `verifyFile`, used when `verifyFile` is not set.
   *
   * @deprecated Use `verifyFile`.
   */
  accept?: (stat: FileStat) => boolean | Promise<boolean>;
  /**
   * Milliseconds a body may go unread before it is cut off and its connection closed, so a
   * client that stops reading (or a player paused for long) does not hold the connection and
   * the chunks already read forever. Applies where the body streams through JavaScript
   * (Deno); Bun sends the file itself and closes idle connections after `Bun.serve`'s
   * `idleTimeout`. `0` never cuts off. Players resume a cut stream with a new range request.
   *
   * On Deno, `0` without `onServed` also lets a single-range body over 64 KiB be read by
   * `Deno.serve` itself (a resource-backed file stream, read in Rust) instead of through
   * JavaScript: about 1.5× the throughput and a fifth of the memory per stalled connection
   * (bench/RESULTS.md), but nothing then counts its bytes or cuts it off.
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
  /**
   * Paces bodies (like nginx's `limit_rate` / `limit_rate_after`): a burst at full speed, then
   * a rate, either absolute or relative to `mediaBitrate`. A paced body streams through
   * JavaScript (on Bun it leaves sendfile); unpaced bodies are untouched. Off by default.
   */
  pacing?: PacingOptions;
  /**
   * The media's average bitrate in bits per second, for a relative `pacing`. Without it, it is
   * read from the file's media index; a file the index does not read is left unpaced.
   */
  mediaBitrate?: number | null;
  /**
   * Serve a clip of an MP4 by time (seconds) instead of the file: a valid MP4 of the span from
   * the key frame at or before `start`, its index rewritten and its media bytes streamed from the
   * file, with ranges, `HEAD` and an `ETag` of its own. A file that is no MP4 this module reads
   * is answered `400`, a span past its end `416`.
   */
  clip?: ClipSpan;
  /**
   * Serve an MP4 whose index (`moov`) is at its end as if it came first (chunk offsets shifted,
   * media bytes streamed from the file); other files as they are.
   *
   * @default {false}
   */
  fastStart?: boolean;
  /** Where media indexes are kept (clips, fast start, relative pacing); one shared cache by default. */
  mediaIndex?: MediaIndexCache;
  /**
   * Report in `onServed` which seconds of the media the delivered bytes covered
   * (`event.media`), read from the file's media index (MP4 sample tables, WebM cues). The index
   * is read once per file, before the first response of it; files it does not read report
   * `media: null`.
   *
   * @default {false}
   */
  mediaTime?: boolean;
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
 * The file is opened once per request and never read whole: bodies are streamed from the
 * runtime (Bun sends slices from the kernel), and the file is closed when the body ends, fails
 * or is cancelled, or at once when the answer has no body from it.
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
    headers,
    accept,
    verifyFile = accept,
    onServed,
    clientAddress = null,
    stallTimeoutMs = 120_000,
    source = runtime.files,
    pacing,
    mediaBitrate = null,
    clip,
    fastStart = false,
    mediaIndex = sharedMediaIndex(),
    mediaTime = false,
  } = options ?? {} as ServeStreamOptions;
  if (typeof path !== "string" || path === "") {
    throw new TypeError('Cannot serve stream: "path" must be a non-empty string');
  }
  checkServeOptions({ maxChunkSize, maxChunkSizeFor, maxRanges, stallTimeoutMs }, "Cannot serve stream");
  if (pacing !== undefined) checkPacingOptions(pacing, "Cannot serve stream");

  const planOptions: ResponsePlanOptions = {
    maxChunkSize,
    maxChunkSizeFor,
    maxRanges,
    contentType,
    cacheControl,
    cors,
    downloadName,
    headers,
    appliesRangeToFileBodies: source.appliesRangeToFileBodies,
  };
  const notifyServed = servedNotifier(req, path, clientAddress, onServed);
  const timed = mediaTime && onServed !== undefined; // seconds only for someone who listens

  const methodExit = planMethodExit(req, planOptions);
  if (methodExit !== null) return answerWithoutFileBody(methodExit, null, notifyServed);
  const opened = await source.open(path);
  if (opened === "not-found" || opened === "forbidden") {
    const refusal = planRefusal(req, opened === "forbidden" ? 403 : 404, planOptions);
    return answerWithoutFileBody(refusal, null, notifyServed);
  }
  return await answerFromFile(opened, {
    req,
    path,
    planOptions,
    verifyFile,
    stallTimeoutMs,
    countBytes: onServed !== undefined,
    pacing: pacing ?? null,
    mediaBitrate,
    media: mediaWanted(req, clip, fastStart, pacing, mediaBitrate) || timed
      ? { wish: { clip: clip ?? null, fastStart }, mediaIndex }
      : null,
    mediaTime: timed,
    streamsKeepLength: source.streamsKeepLength,
    notifyServed,
  });
}

/** What happened to a response, as far as `serveStream` knows when it reports it. */
interface ServedOutcome {
  status: number;
  size: number | null;
  ranges: readonly ByteRange[];
  bytesPlanned: number;
  bytesDelivered: number | null;
  aborted: boolean;
  media?: MediaSeconds | null;
}

/** Reports one response to `onServed`. */
type NotifyServed = (outcome: ServedOutcome) => void;

/**
 * The function that completes each outcome into a {@linkcode StreamEvent} for `onServed`
 * (timed from this call); errors `onServed` throws are ignored, so observers never break
 * streaming.
 */
function servedNotifier(
  req: Request,
  path: string,
  clientAddress: string | null,
  onServed: ServeStreamOptions["onServed"],
): NotifyServed {
  if (onServed === undefined) return () => {};
  const startedAt = new Date();
  return (outcome) => {
    try {
      onServed({
        request: req,
        path,
        ...outcome,
        ranges: [...outcome.ranges],
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        clientAddress,
      });
    } catch {
      // ignored: see above
    }
  };
}

/** What answering a request needs once its file is open. */
interface FileAnswerContext {
  req: Request;
  path: string;
  planOptions: ResponsePlanOptions;
  verifyFile: ServeStreamOptions["verifyFile"];
  stallTimeoutMs: number;
  /** Whether someone logs the bytes delivered (`onServed`), so bodies must count them. */
  countBytes: boolean;
  /** How bodies are paced, or `null`. */
  pacing: PacingOptions | null;
  /** The media's bitrate when the caller gave it. */
  mediaBitrate: number | null;
  /** What to ask of the media layer, or `null` for the file as it is. */
  media: { wish: MediaWish; mediaIndex: MediaIndexCache } | null;
  /** Whether `onServed` events carry the seconds of media covered. */
  mediaTime: boolean;
  streamsKeepLength: boolean | undefined;
  notifyServed: NotifyServed;
}

/**
 * Verifies the opened `file`, plans the answer and carries it out. The file is closed here on
 * every exit, unless a body took it over: a body releases its file when it ends, fails or is
 * cancelled.
 */
async function answerFromFile(opened: OpenFile, context: FileAnswerContext): Promise<Response> {
  const { req, verifyFile, planOptions } = context;
  let { notifyServed } = context;
  let file = opened;
  let bodyOwnsFile = false;
  try {
    if (!file.stat.isFile || (verifyFile !== undefined && !(await verifyFile(file.stat)))) {
      return answerWithoutFileBody(planRefusal(req, 404, planOptions), null, notifyServed);
    }
    const media = await seenThroughMedia(file, context);
    if (!media.ok) return answerWithoutFileBody(media.refusal, null, notifyServed);
    file = media.file;
    if (context.mediaTime && media.index !== null) {
      notifyServed = withMediaSeconds(notifyServed, media.index, media.layout);
    }
    const pace = paceOf(context, media.bitrate);
    const plan = planFileResponse(req, { path: context.path, stat: file.stat }, planOptions);
    const { body } = plan;
    if (body.kind === "none" || body.kind === "text") {
      return answerWithoutFileBody(plan, file.stat.size, notifyServed);
    }
    if (plan.ranges.length === 1) {
      const ready = file.beforeBody?.(plan.length);
      if (ready !== undefined) await ready;
    }
    const fileBody = await bodyFromFile(file, plan, body, { ...context, pace, notifyServed });
    bodyOwnsFile = true;
    return responseFor(plan, fileBody);
  } finally {
    if (!bodyOwnsFile) file.close();
  }
}

/**
 * The file as the media layer serves it (a clip's or a fast start's layout, or as it is) with
 * the bitrate pacing follows, or the refusal of what was asked of the media (`400`, `416`).
 */
async function seenThroughMedia(
  file: OpenFile,
  context: FileAnswerContext,
): Promise<SeenThroughMedia | { ok: false; refusal: ResponsePlan }> {
  if (context.media === null) {
    return { ok: true, file, bitrate: context.mediaBitrate, index: null, layout: null };
  }
  const media = await planMediaLayout(file, context.media.wish, context.media.mediaIndex);
  if (!media.ok) {
    return {
      ok: false,
      refusal: planMediaRefusal(context.req, media.status, media.message, context.planOptions),
    };
  }
  const served = media.layout === null ? file : composeFile(file, media.layout);
  return {
    ok: true,
    file: served,
    bitrate: context.mediaBitrate ?? media.bitrate,
    index: media.index ?? null,
    layout: media.layout,
  };
}

/** The pace of this response's body, or `null` when it is not paced. */
function paceOf(context: FileAnswerContext, bitrate: number | null): Pace | null {
  const { pacing, req } = context;
  if (pacing === null || !pacingApplies(pacing, req)) return null;
  return resolvePacing(pacing, bitrate);
}

/** The file as the media layer serves it, and what it was planned from. */
interface SeenThroughMedia {
  ok: true;
  file: OpenFile;
  bitrate: number | null;
  /** The file's media index, when the media layer read it. */
  index: MediaFileIndex | null;
  /** The layout served instead of the file, or `null`. */
  layout: ByteLayout | null;
}

/** `notify`, adding to each outcome the seconds of media its delivered bytes covered. */
function withMediaSeconds(
  notify: NotifyServed,
  index: MediaFileIndex,
  layout: ByteLayout | null,
): NotifyServed {
  return (outcome) => {
    const served = servedIntervals(outcome.ranges, outcome.bytesDelivered, outcome.aborted);
    notify({ ...outcome, media: served.length === 0 ? null : mediaSecondsServed(index, layout, served) });
  };
}

/**
 * Whether the media layer must see the file: a clip, fast start, or a pacing of this request
 * relative to an unknown bitrate.
 */
function mediaWanted(
  req: Request,
  clip: ClipSpan | undefined,
  fastStart: boolean,
  pacing: PacingOptions | undefined,
  mediaBitrate: number | null,
): boolean {
  return clip !== undefined || fastStart ||
    (pacing !== undefined && mediaBitrate === null && pacingIsRelative(pacing) && pacingApplies(pacing, req));
}

/** Whether `pacing` paces `req` (its `for` scope; every request by default). */
function pacingApplies(pacing: PacingOptions, req: Request): boolean {
  return scopeApplies(pacing.for ?? "all", req.headers);
}

let defaultMediaIndex: MediaIndexCache | null = null;

/** The media index cache of callers that bring none, made on first use. */
function sharedMediaIndex(): MediaIndexCache {
  return defaultMediaIndex ??= createMediaIndexCache();
}

/** Answers `plan` when its body is not read from the file, and reports it at once. */
function answerWithoutFileBody(
  plan: ResponsePlan,
  size: number | null,
  notifyServed: NotifyServed,
): Response {
  const { status, ranges, body } = plan;
  notifyServed({ status, size, ranges, bytesPlanned: 0, bytesDelivered: 0, aborted: false });
  return responseFor(plan, body.kind === "text" ? body.text : null);
}

/**
 * The body of `plan` from `file`, which it takes over. A single range is handed to the runtime
 * as a file body; multipart bodies, and ranges the plan says to read through JavaScript, are
 * read here chunk by chunk.
 */
function bodyFromFile(
  file: OpenFile,
  plan: ResponsePlan,
  body: Exclude<PlannedBody, { kind: "none" | "text" }>,
  context: FileAnswerContext & { pace: Pace | null },
): BodyInit | Promise<BodyInit> {
  const { status, ranges, length } = plan;
  const size = file.stat.size;
  const notifyEnd = (bytesDelivered: number | null, aborted: boolean) =>
    context.notifyServed({ status, size, ranges, bytesPlanned: length, bytesDelivered, aborted });
  if (body.kind === "file" && context.pace === null) {
    return file.body(body.range, notifyEnd, {
      stallTimeoutMs: context.stallTimeoutMs,
      request: context.req,
      countBytes: context.countBytes,
    });
  }
  const read = body.kind === "multipart"
    ? multipartChunks(body.layout, (range) => file.read([range], READ_CHUNK_SIZE))
    : file.read([body.range], READ_CHUNK_SIZE);
  const chunks = context.pace === null ? read : pacedChunks(read, context.pace);
  const release = (bytes: number, aborted: boolean) => {
    file.close();
    notifyEnd(bytes, aborted);
  };
  return context.streamsKeepLength === false && length <= BUFFERED_BODY_LIMIT && context.pace === null
    ? bufferBody(chunks, release)
    : streamFromGenerator(chunks, release);
}

/**
 * Collects `chunks` into one buffer, for servers that drop a stream body's `Content-Length`;
 * bounded by `BUFFERED_BODY_LIMIT`. `onEnd` is called once the chunks are all read or failed.
 */
async function bufferBody(
  chunks: AsyncGenerator<Uint8Array, void, undefined>,
  onEnd: (bytes: number, aborted: boolean) => void,
): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of chunks) parts.push(chunk);
  } catch (error) {
    // as a streamed body would: the response stands, its body errors
    onEnd(0, true);
    return new ReadableStream({ start: (controller) => controller.error(error) });
  }
  const buffer = concatBytes(parts);
  onEnd(buffer.byteLength, false);
  return buffer;
}

/**
 * The response for `plan` with `body`, its headers set after it is made: given headers in its
 * init, Deno's `Response` copies and re-validates them all, which setting them on the made
 * response avoids. A body's own type (a string's or a Blob's) is replaced by the plan's
 * `content-type`, as an init's would replace it.
 *
 * `Date` (RFC 9110 §6.6.1) is decided here, once: the runtimes stamp it on responses with a
 * body themselves, and Bun leaves it off bodiless ones, so only those get it here (the plan's
 * headers, applied after, may still override it).
 */
function responseFor(plan: ResponsePlan, body: BodyInit | null): Response {
  const response = new Response(body, { status: plan.status });
  const target = response.headers;
  if (body === null) target.set("date", httpDateNow());
  for (const [name, value] of plan.headers) target.set(name, value);
  return response;
}
