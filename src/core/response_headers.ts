// Internal: the response headers of serveStream that do not depend on the file: cross-origin
// access (Fetch standard, CORS protocol) and Content-Disposition (RFC 6266).

/** The response headers scripts on another origin may read. */
const EXPOSED_HEADERS = "Content-Range, Accept-Ranges, Content-Length, ETag";

/** The request headers a preflight allows when it does not list the ones it wants. */
const DEFAULT_ALLOWED_HEADERS = "Range, If-Range, If-Match, If-None-Match";

/** How long a browser may cache a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = "86400";

/**
 * The origin to allow for a request: `cors` itself when it is a string (`"*"` or one origin),
 * the request's `Origin` when `cors` lists it, otherwise `null` (no cross-origin access).
 */
export function allowedOrigin(
  cors: string | readonly string[] | undefined,
  requestHeaders: Headers,
): string | null {
  if (cors === undefined) return null;
  if (typeof cors === "string") return cors;
  const origin = requestHeaders.get("origin");
  return origin !== null && cors.includes(origin) ? origin : null;
}

/**
 * The headers every response starts with under the `cors` setting: for an allowed origin, the
 * origin and the headers it may read. Unless `cors` is `"*"`, the answer depends on the
 * request's `Origin` (echoed, or left out), so every response says `Vary: Origin`, also one to
 * an origin that is not allowed: a shared cache must not hand that one to an allowed origin.
 */
export function corsHeaders(
  cors: string | readonly string[] | undefined,
  requestHeaders: Headers,
): Map<string, string> {
  const headers = new Map<string, string>();
  const origin = allowedOrigin(cors, requestHeaders);
  if (origin !== null) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  }
  if (cors !== undefined && cors !== "*") headers.set("vary", "Origin");
  return headers;
}

/** Adds a preflight answer's headers to `headers`: what the actual request may use. */
export function addPreflightHeaders(headers: Map<string, string>, requestHeaders: Headers): void {
  headers.set("access-control-allow-methods", "GET, HEAD, OPTIONS");
  headers.set(
    "access-control-allow-headers",
    requestHeaders.get("access-control-request-headers") ?? DEFAULT_ALLOWED_HEADERS,
  );
  headers.set("access-control-max-age", PREFLIGHT_MAX_AGE);
}

/**
 * `Content-Disposition` (RFC 6266): `inline`, or `attachment` with an ASCII fallback name and
 * the UTF-8 name (RFC 8187) when `downloadName` is set.
 */
export function contentDisposition(downloadName: string | undefined): string {
  if (downloadName === undefined) return "inline";
  const ascii = downloadName.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const utf8 = encodeURIComponent(downloadName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
