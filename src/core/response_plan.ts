// Internal: what serveStream answers, decided from the request, the file's metadata and the
// options alone, before a byte is read. The plan names the status, every header but `Date`
// (which depends on how the response is made, see serve_stream.ts), the byte ranges and where
// the body comes from; serveStream only carries it out. Nothing here does I/O, so each answer
// can be tested without a file.

import { evaluatePreconditions, fileETag } from "./conditional.ts";
import { contentTypeOf, DEFAULT_MEDIA_TYPE } from "./content_type.ts";
import type { FileStat } from "./file_stat.ts";
import { TEXT_HEADERS } from "./http.ts";
import { layoutMultipart, type MultipartLayout } from "./multipart.ts";
import { type ByteRange, parseRange } from "./range.ts";
import { addPreflightHeaders, allowedOrigin, contentDisposition, corsHeaders } from "./response_headers.ts";
import { type ChunkCapScope, scopeApplies } from "./serve_options.ts";

/** The parts of a request a plan depends on; a `Request` has them. */
export type PlanRequest = Pick<Request, "method" | "headers">;

/** The file a plan answers with: its path (for the media type) and its metadata. */
export interface PlannedFile {
  /** The file's path; its extension gives the `Content-Type` unless `contentType` is set. */
  path: string;
  /** The opened file's length and modification time. */
  stat: Pick<FileStat, "size" | "mtime">;
}

/** The options of `serveStream` that shape its answers, with its defaults applied. */
export interface ResponsePlanOptions {
  /** Longest open-ended range for the requests `maxChunkSizeFor` names; `0` or `Infinity`: no cap. */
  maxChunkSize: number;
  /** Which requests `maxChunkSize` applies to. */
  maxChunkSizeFor: ChunkCapScope;
  /** Most ranges accepted in one `Range` header; more make it ignored. */
  maxRanges: number;
  /** The `Content-Type` of the file; by default from its extension. */
  contentType?: string;
  /** A `Cache-Control` value for 200, 206 and 304. */
  cacheControl?: string;
  /** Cross-origin access: `"*"`, one origin, or the allowed origins. */
  cors?: string | readonly string[];
  /** When set, the file is an attachment with this name. */
  downloadName?: string;
  /** Headers added to every response, over the computed ones. */
  headers?: HeadersInit;
  /**
   * Whether the runtime's server applies a request's `Range` itself to a file body answered
   * with `200`: a `200` that ignores a `Range` header is then read through JavaScript.
   */
  appliesRangeToFileBodies?: boolean;
  /** The `multipart/byteranges` boundary; random by default. */
  boundary?: string;
}

/**
 * Where a planned response's body comes from.
 *
 * | kind          | body                                                              |
 * | ------------- | ----------------------------------------------------------------- |
 * | `"none"`      | no body: HEAD, `204`, `304`, an empty file                        |
 * | `"text"`      | a short plain-text reason (`403`, `404`, `405`, `412`, `416`)     |
 * | `"file"`      | one range of the file, handed to the runtime as a file body       |
 * | `"read"`      | one range of the file, read through JavaScript                    |
 * | `"multipart"` | a `multipart/byteranges` body of several ranges of the file       |
 */
export type PlannedBody =
  | { kind: "none" }
  | { kind: "text"; text: string }
  | { kind: "file"; range: ByteRange }
  | { kind: "read"; range: ByteRange }
  | { kind: "multipart"; layout: MultipartLayout };

/** What to answer a request with. */
export interface ResponsePlan {
  /** The response status. */
  status: number;
  /** Every response header but `Date`, lower-case names, `options.headers` applied last. */
  headers: ReadonlyMap<string, string>;
  /** The ranges of the file the body carries (for HEAD: the ones GET's would carry). */
  ranges: readonly ByteRange[];
  /** The body's length: the `Content-Length` sent, `0` when none is. */
  length: number;
  /** Where the body comes from; `"none"` for HEAD, whatever GET's would be. */
  body: PlannedBody;
}

const NO_BODY: PlannedBody = { kind: "none" };

/** The statuses answered with a plain-text reason. */
type RefusalStatus = 400 | 403 | 404 | 405 | 412 | 416;

/** The plain-text reason sent with each refusal (ASCII, so one byte per character). */
const REASONS: Readonly<Record<RefusalStatus, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  412: "Precondition Failed",
  416: "Range Not Satisfiable",
};

/**
 * The answer to a request that no file is opened for: a CORS preflight (`OPTIONS` from an
 * allowed origin) gets `204`, any method but GET and HEAD `405` with `Allow: GET, HEAD`.
 *
 * @param req The request's method and headers.
 * @param options How to serve, see {@linkcode ResponsePlanOptions}.
 * @returns The plan, or `null` for GET and HEAD, which need the file.
 */
export function planMethodExit(req: PlanRequest, options: ResponsePlanOptions): ResponsePlan | null {
  if (req.method === "GET" || req.method === "HEAD") return null;
  const headers = corsHeaders(options.cors, req.headers);
  if (req.method === "OPTIONS" && allowedOrigin(options.cors, req.headers) !== null) {
    addPreflightHeaders(headers, req.headers);
    return withExtraHeaders({ status: 204, headers, ranges: [], length: 0, body: NO_BODY }, options);
  }
  headers.set("allow", "GET, HEAD");
  return textPlan(req, 405, headers, options);
}

/**
 * The answer when the file cannot be served: `404` when it is missing, not a regular file or
 * refused by `verifyFile`, `403` when it cannot be read.
 *
 * @param req The request's method and headers.
 * @param status `403` or `404`.
 * @param options How to serve, see {@linkcode ResponsePlanOptions}.
 * @returns The plan: a plain-text reason with the CORS and extra headers.
 */
export function planRefusal(req: PlanRequest, status: 403 | 404, options: ResponsePlanOptions): ResponsePlan {
  return textPlan(req, status, corsHeaders(options.cors, req.headers), options);
}

/**
 * A refusal of what the request asked of the media (a clip's span): `400` or `416` with the
 * reason after the status text.
 *
 * @param req The request's method and headers.
 * @param status `400` for a span that is no span or a file that has no clips, `416` past the end.
 * @param reason Why, for the client.
 * @param options The CORS and extra headers to apply.
 * @returns The plan: a short plain-text body (none for HEAD).
 */
export function planMediaRefusal(
  req: PlanRequest,
  status: 400 | 416,
  reason: string,
  options: ResponsePlanOptions,
): ResponsePlan {
  return textPlan(
    req,
    status,
    corsHeaders(options.cors, req.headers),
    options,
    `${REASONS[status]}: ${reason}`,
  );
}

/**
 * The answer to a GET or HEAD for an opened file, as RFC 9110 orders it: validators, then
 * preconditions (§13.2.2: `412`, `304`, a failed `If-Range` ignores `Range`), then `Range`
 * (§14.2): none or an ignored one is `200`, one range `206`, several a multipart `206`, none
 * satisfiable `416` with `Content-Range: bytes *\/SIZE`. HEAD gets GET's status and headers.
 *
 * @param req The request's method and headers.
 * @param file The file's path and metadata.
 * @param options How to serve, see {@linkcode ResponsePlanOptions}.
 * @returns The plan.
 */
export function planFileResponse(
  req: PlanRequest,
  file: PlannedFile,
  options: ResponsePlanOptions,
): ResponsePlan {
  const { size, mtime } = file.stat;
  const headers = corsHeaders(options.cors, req.headers);
  const etag = fileETag(file.stat);
  headers.set("etag", etag);
  if (mtime) headers.set("last-modified", mtime.toUTCString());
  if (options.cacheControl !== undefined) headers.set("cache-control", options.cacheControl);

  const precondition = evaluatePreconditions(req.headers, { etag, lastModified: mtime });
  if (precondition === 412) return textPlan(req, 412, headers, options);
  if (precondition === 304) {
    return withExtraHeaders({ status: 304, headers, ranges: [], length: 0, body: NO_BODY }, options);
  }

  headers.set("accept-ranges", "bytes");
  headers.set("x-content-type-options", "nosniff");
  // Explicit even when inline: a server may otherwise add a type-less `filename=` to file
  // bodies only (Bun does), so HEAD and GET would differ.
  headers.set("content-disposition", contentDisposition(options.downloadName));
  const ranges = precondition === "ignore-range" ? null : parseRange(req.headers.get("range"), size, {
    maxOpenEndedLength: chunkCapApplies(req, options.maxChunkSizeFor) ? options.maxChunkSize : 0,
    maxRanges: options.maxRanges,
  });
  if (ranges === "unsatisfiable") {
    headers.set("content-range", `bytes */${size}`);
    return textPlan(req, 416, headers, options);
  }
  const type = options.contentType ?? contentTypeOf(file.path) ?? DEFAULT_MEDIA_TYPE;
  if (ranges !== null && ranges.length > 1) return multipartPlan(req, ranges, size, type, headers, options);
  return singleRangePlan(req, ranges?.[0] ?? null, size, type, headers, options);
}

/**
 * Whether `maxChunkSize` applies to `req` under `scope`: clients other than media elements
 * (downloaders, ffmpeg, HTTP libraries) take the end of a body for the end of the file.
 */
function chunkCapApplies(req: PlanRequest, scope: ChunkCapScope): boolean {
  return scopeApplies(scope, req.headers);
}

/** A `200` with the whole file (`range` is `null`) or a `206` with one range of it. */
function singleRangePlan(
  req: PlanRequest,
  range: ByteRange | null,
  size: number,
  type: string,
  headers: Map<string, string>,
  options: ResponsePlanOptions,
): ResponsePlan {
  const status = range === null ? 200 : 206;
  const sent = range ?? { start: 0, end: size - 1 };
  const length = sent.end - sent.start + 1; // 0 for an empty file
  if (range !== null) headers.set("content-range", `bytes ${sent.start}-${sent.end}/${size}`);
  headers.set("content-type", type);
  headers.set("content-length", String(length));
  const ranges = length > 0 ? [sent] : [];
  // a server that applies Range to file bodies itself would turn a 200 ignoring it into a 206
  const readThrough = range === null && options.appliesRangeToFileBodies === true && req.headers.has("range");
  const body: PlannedBody = req.method === "HEAD" || length === 0
    ? NO_BODY
    : readThrough
    ? { kind: "read", range: sent }
    : { kind: "file", range: sent };
  return withExtraHeaders({ status, headers, ranges, length, body }, options);
}

/** A `206` with a `multipart/byteranges` body of `ranges`. */
function multipartPlan(
  req: PlanRequest,
  ranges: ByteRange[],
  size: number,
  type: string,
  headers: Map<string, string>,
  options: ResponsePlanOptions,
): ResponsePlan {
  const layout = layoutMultipart(ranges, size, type, options.boundary);
  headers.set("content-type", layout.contentType);
  headers.set("content-length", String(layout.length));
  const body: PlannedBody = req.method === "HEAD" ? NO_BODY : { kind: "multipart", layout };
  return withExtraHeaders({ status: 206, headers, ranges, length: layout.length, body }, options);
}

// deno-lint-ignore no-control-regex
const ASCII_REGEXP = /^[\x00-\x7f]*$/;

/** A short plain-text reason for `status`, on top of `headers`; HEAD gets no body. */
function textPlan(
  req: PlanRequest,
  status: RefusalStatus,
  headers: Map<string, string>,
  options: ResponsePlanOptions,
  text: string = REASONS[status],
): ResponsePlan {
  for (const [name, value] of Object.entries(TEXT_HEADERS)) headers.set(name, value);
  const length = ASCII_REGEXP.test(text) ? text.length : new TextEncoder().encode(text).length;
  headers.set("content-length", String(length));
  const body: PlannedBody = req.method === "HEAD" ? NO_BODY : { kind: "text", text };
  return withExtraHeaders({ status, headers, ranges: [], length, body }, options);
}

/** Applies `options.headers` over the plan's headers (they override the computed ones). */
function withExtraHeaders(
  plan: ResponsePlan & { headers: Map<string, string> },
  options: ResponsePlanOptions,
): ResponsePlan {
  if (options.headers !== undefined) {
    new Headers(options.headers).forEach((value, name) => plan.headers.set(name, value));
  }
  return plan;
}
