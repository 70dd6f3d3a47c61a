// HTTP pieces shared by every layer that answers requests: the handler shape, the Date header,
// the plain-text answer.

/**
 * A request handler in the shape `Deno.serve(handler)` and `Bun.serve({ fetch: handler })`
 * call: every handler this module makes has it.
 */
export type Handler = (req: Request, info?: unknown) => Promise<Response>;

// RFC 9110 §6.6.1: an origin server with a clock sends Date. Bun leaves it off bodiless
// responses (HEAD, 304), so those set it here, formatted at most once a second.
let dateSecond = 0;
let dateValue = "";

/** The current time as an HTTP-date, cached for the second. */
export function httpDateNow(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(second * 1000).toUTCString();
  }
  return dateValue;
}

/** The headers that type a plain-text answer and keep browsers from sniffing another type. */
export const TEXT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/plain; charset=utf-8",
  "x-content-type-options": "nosniff",
});

/**
 * A short plain-text answer (a reason for a 4xx): {@linkcode TEXT_HEADERS}, `Date`, then
 * `headers` on top; HEAD gets the same status and headers without the body.
 */
export function textResponse(
  req: Request,
  status: number,
  message: string,
  headers: HeadersInit = {},
): Response {
  const h = new Headers({ ...TEXT_HEADERS, date: httpDateNow() });
  for (const [name, value] of new Headers(headers)) h.set(name, value);
  return new Response(req.method === "HEAD" ? null : message, { status, headers: h });
}

/** Unpadded base64url (RFC 4648 §5) of `bytes`. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const parsedUrls = new WeakMap<Request, URL>();

/**
 * `req.url`, parsed once per request however many layers ask (the app's router, the endpoint,
 * the access log). Treat the result as read-only: it is shared.
 */
export function requestUrl(req: Request): URL {
  let url = parsedUrls.get(req);
  if (url === undefined) parsedUrls.set(req, url = new URL(req.url));
  return url;
}
