/**
 * `createStreamHandler()`: the ready-made endpoint `GET /stream?path=…`: paths resolved
 * safely under a root, a permission hook, signed URLs, and the client's real address for the
 * watch log.
 *
 * @module
 */

import { type Handler, requestUrl, textResponse } from "../core/http.ts";
import { checkServeOptions } from "../core/serve_options.ts";
import { serveStream, type ServeStreamOptions, type StreamEvent } from "../serve/serve_stream.ts";
import { clientAddressOf, PROXY_HEADERS, type ProxyHeader } from "./client_address.ts";
import { checkRequestPath, createRootResolver, type SafePathOptions } from "./safe_path.ts";
import { importSigningKey, type SigningSecret, verifyStreamUrl } from "./signed_url.ts";
import { type ClipSpan, type ClipSpanParse, parseClipSpan } from "./media_request.ts";
import { createMediaIndexCache, type MediaIndexCache } from "../media/index_cache.ts";

export type { ProxyHeader };

/** What {@linkcode StreamHandlerOptions.authorize} sees about a request. */
export interface AuthorizeInfo {
  /** The requested file, relative to the root, normalised (segments joined with `/`). */
  path: string;
  /** The client's address (see `trustProxy`), or `null` when the runtime did not give one. */
  clientAddress: string | null;
  /** The request's URL, parsed. */
  url: URL;
}

/**
 * The answer of {@linkcode StreamHandlerOptions.authorize}: `true` (or nothing) allows,
 * `false` answers `403 Forbidden`, and a `Response` is sent as it is (a `401` with
 * `WWW-Authenticate`, a redirect to a login page …).
 */
export type AuthorizeResult = boolean | void | Response;

/** Something that records served streams, such as the watch logger. */
export interface StreamRecorder {
  /** Called once per response served by `serveStream`. */
  record(event: StreamEvent): void;
}

/** Options for {@linkcode createStreamHandler}. */
export interface StreamHandlerOptions
  extends
    Omit<ServeStreamOptions, "path" | "accept" | "verifyFile" | "clientAddress" | "clip">,
    SafePathOptions {
  /** The media root: only regular files inside it (after resolving symbolic links) are served. */
  root: string;
  /**
   * The URL path the endpoint answers; other paths get `404`.
   *
   * @default {"/stream"}
   */
  basePath?: string;
  /**
   * The query parameter with the file path, relative to `root`.
   *
   * @default {"path"}
   */
  param?: string;
  /**
   * Decides who may stream what. Called after the path is checked and before the disk is touched, so refused clients cannot probe
   * which files exist. Return `true` or nothing to allow, `false` for `403`, or a `Response`
   * to send instead. Errors it throws propagate to the server.
   *
   * @default {() => true}
   */
  authorize?: (req: Request, info: AuthorizeInfo) => AuthorizeResult | Promise<AuthorizeResult>;
  /**
   * A secret (16 bytes or more) that every URL must be signed with, by
   * `signStreamUrl(path, { secret })`. Requests with a missing, altered or expired signature
   * get `403`. Off by default.
   */
  signingSecret?: SigningSecret;
  /**
   * Whether the client's address comes from the `proxyHeader` forwarding header rather than
   * the socket. `false`: the socket's address (headers are ignored, since anyone can send them).
   * A number `n`: there are `n` trusted proxies in front, so the `n`th address from the right
   * of the chain is the client. `true`: every hop is trusted and the leftmost address is used.
   * A hop that is not a valid IPv4 or IPv6 address falls back to the socket's address.
   *
   * @default {false}
   */
  trustProxy?: boolean | number;
  /**
   * With `trustProxy`, the one forwarding header your proxy sets: `"x-forwarded-for"` (nginx's
   * `proxy_add_x_forwarded_for`, most load balancers) or `"forwarded"` (RFC 7239). The other is
   * never read: a client can send it, and a proxy that does not maintain it passes it on.
   *
   * @default {"x-forwarded-for"}
   */
  proxyHeader?: ProxyHeader;
  /**
   * Receives every served stream: pass the watch logger (`createWatchLogger()`) to record who
   * watched what. Off by default.
   */
  watchLog?: StreamRecorder;
  /**
   * Report with each served stream the seconds of media its bytes covered (`event.media`), so
   * the watch log counts watch time: the file's media index is read once, before its first
   * response.
   *
   * @default {true with a `watchLog`, false without}
   */
  mediaTime?: boolean;
  /**
   * Answer `start=` and `end=` (seconds) with a clip of an MP4: a valid MP4 of that span,
   * starting at the key frame at or before `start`, its index rewritten and its media bytes
   * streamed from the file. A clip is served like a file (ranges, `HEAD`, its own `ETag`) and
   * logged under `PATH#t=START,END`. `false` ignores the two parameters.
   *
   * @default {true}
   */
  clips?: boolean;
  /**
   * Serve an MP4 whose index (`moov`) sits at its end as if it came first, so a player starts
   * from the first bytes without asking for the end of the file. Only the index is rewritten
   * (chunk offsets shifted); the media bytes are streamed from the file.
   *
   * @default {false}
   */
  fastStart?: boolean;
  /** Where media indexes are kept; one per handler by default. */
  mediaIndex?: MediaIndexCache;
}

/** The handler {@linkcode createStreamHandler} returns (a {@linkcode Handler}). */
export type StreamHandler = Handler;
export type { Handler };

/** The plain-text reason sent with each refusal status. */
const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
};

function refuse(req: Request, status: 400 | 403 | 404): Response {
  return textResponse(req, status, REASONS[status]);
}

/**
 * Creates the ready-made streaming endpoint: `GET|HEAD BASEPATH?PARAM=REL` streams the file
 * `REL` from `root` with {@linkcode serveStream} (ranges, preconditions, `maxChunkSize` …).
 *
 * Every request is checked in this order: the URL path (`404` unless it is `basePath`), the
 * method (`405`; `OPTIONS` preflights when `cors` is set), the signature when
 * `signingSecret` is set (`403`), the path's syntax (`400` for `..`, absolute paths,
 * backslashes, control characters, over-long paths; `404` for dotfiles and other extensions),
 * `authorize` (`403` or its `Response`), then the disk: the path is resolved with its
 * symbolic links and must be a regular file inside the root's real path (`404` otherwise).
 * The file opened must be the one checked (same device and inode), or the answer is `404`.
 * Directories are never listed.
 *
 * @param options The root and how to serve it, see {@linkcode StreamHandlerOptions}.
 * @returns The handler.
 * @throws {TypeError} When `root` is not a non-empty string, or `basePath` does not start with `/`.
 * @throws {RangeError} When `signingSecret` is shorter than 16 bytes.
 *
 * @example Usage
 * ```ts
 * import { createStreamHandler } from "@sage/stream";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "media-"));
 * writeFileSync(join(root, "movie.mp4"), new Uint8Array(1000));
 * const handler = createStreamHandler({ root });
 * // Deno.serve(handler) or Bun.serve({ fetch: handler })
 *
 * const res = await handler(new Request("http://localhost/stream?path=movie.mp4", {
 *   headers: { range: "bytes=0-99" },
 * }));
 * assert.equal(res.status, 206);
 * await res.body?.cancel();
 * const escape = await handler(new Request("http://localhost/stream?path=../etc/passwd"));
 * assert.equal(escape.status, 400);
 * await escape.body?.cancel();
 * ```
 */
export function createStreamHandler(options: StreamHandlerOptions): StreamHandler {
  const {
    root,
    basePath = "/stream",
    param = "path",
    authorize,
    signingSecret,
    trustProxy = false,
    proxyHeader = "x-forwarded-for",
    watchLog,
    onServed,
    clips = true,
    fastStart = false,
    mediaIndex = createMediaIndexCache(),
    mediaTime = watchLog !== undefined,
    allowDotfiles,
    extensions,
    maxPathLength,
    ...serveOptions
  } = options ?? {} as StreamHandlerOptions;
  checkHandlerOptions(root, basePath, trustProxy, proxyHeader);
  checkServeOptions(serveOptions, "Cannot create stream handler");
  const pathOptions: SafePathOptions = { allowDotfiles, extensions, maxPathLength };
  const resolver = createRootResolver(root, pathOptions);
  // imported once; a bad secret throws here, when the handler is created
  const key = signingSecret === undefined ? null : importSigningKey(signingSecret);
  const notify = servedNotifier(watchLog, onServed);

  return async function streamHandler(req: Request, info?: unknown): Promise<Response> {
    const url = requestUrl(req);
    if (url.pathname !== basePath) return refuse(req, 404);
    if (req.method !== "GET" && req.method !== "HEAD") {
      // serveStream answers OPTIONS preflights (with cors) and 405 before opening anything
      return serveStream(req, { ...serveOptions, path: root });
    }
    if (key !== null && !(await verifyStreamUrl(url.searchParams, { secret: await key, param })).valid) {
      return refuse(req, 403);
    }
    const path = url.searchParams.get(param);
    if (path === null) return refuse(req, 400);
    // checked before authorize, so authorize sees a normalised path and no disk was touched
    const checked = checkRequestPath(path, pathOptions);
    if (!checked.ok) return refuse(req, checked.status);
    const clip = clips ? parseClipSpan(url.searchParams) : NO_CLIP;
    if (!clip.ok) return textResponse(req, 400, `Bad Request: ${clip.message}`);
    const clientAddress = clientAddressOf(req, info, trustProxy, proxyHeader);
    const relative = checked.segments.join("/");

    const verdict = authorize ? await authorize(req, { path: relative, clientAddress, url }) : true;
    if (verdict instanceof Response) return verdict;
    if (verdict === false) return refuse(req, 403);

    const resolved = resolver.resolve(checked.segments);
    if (!resolved.ok) return refuse(req, resolved.status);
    const { dev, ino } = resolved;
    const servedPath = clip.span === null ? relative : `${relative}#t=${mediaFragment(clip.span)}`;
    return serveStream(req, {
      ...serveOptions,
      path: resolved.path,
      clientAddress,
      // the file opened must be the file checked: refuse it if it was swapped in between
      verifyFile: (stat) => stat.dev === dev && stat.ino === ino,
      onServed: notify && ((event) => notify({ ...event, path: servedPath })),
      clip: clip.span ?? undefined,
      fastStart,
      mediaIndex,
      mediaTime,
    });
  };
}

const NO_CLIP: ClipSpanParse = { ok: true, span: null };

/** A clip's span as a Media Fragments URI time (`t=30,60`, `t=30`, `t=,60`), for the watch log. */
function mediaFragment(span: ClipSpan): string {
  return `${span.start ?? ""}${span.end === undefined ? "" : `,${span.end}`}`;
}

/** Throws for the handler's own options; serveStream's are checked by `checkServeOptions`. */
function checkHandlerOptions(
  root: string,
  basePath: string,
  trustProxy: boolean | number,
  proxyHeader: ProxyHeader,
): void {
  if (typeof root !== "string" || root === "") {
    throw new TypeError('Cannot create stream handler: "root" must be a non-empty string');
  }
  if (typeof basePath !== "string" || !basePath.startsWith("/")) {
    throw new TypeError(`Cannot create stream handler: "basePath" must start with "/", got "${basePath}"`);
  }
  if (typeof trustProxy !== "boolean" && !(Number.isInteger(trustProxy) && trustProxy >= 0)) {
    throw new RangeError(
      `Cannot create stream handler: "trustProxy" must be a boolean or a whole number of proxies, got "${trustProxy}"`,
    );
  }
  if (!PROXY_HEADERS.includes(proxyHeader)) {
    throw new RangeError(
      `Cannot create stream handler: "proxyHeader" must be "x-forwarded-for" or "forwarded", got "${proxyHeader}"`,
    );
  }
}

/**
 * One callback that hands a served stream (its path relative to the root) to the watch log and
 * then to `onServed`, or `undefined` when there is neither.
 */
function servedNotifier(
  watchLog: StreamRecorder | undefined,
  onServed: ((event: StreamEvent) => void) | undefined,
): ((event: StreamEvent) => void) | undefined {
  if (!watchLog && !onServed) return undefined;
  return (event) => {
    try {
      watchLog?.record(event);
    } finally {
      onServed?.(event);
    }
  };
}
