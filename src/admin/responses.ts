/**
 * The headers of the admin's answers that are not pages, and its JSON answer. Plain-text
 * answers are `textResponse(req, status, message, ADMIN_HEADERS)`.
 *
 * @module
 */

import { SECURITY_HEADERS } from "../html/html.ts";

/**
 * The headers of every admin answer that is not a page: the pages' security headers, and
 * never cached, since what the admin shows changes with each request and needs credentials.
 */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...SECURITY_HEADERS,
  "cache-control": "no-store",
});

/**
 * A JSON answer with {@linkcode ADMIN_HEADERS}, then `headers` on top; HEAD gets the headers
 * only.
 *
 * @param req The request.
 * @param status The status.
 * @param value What to send, serialised with `JSON.stringify`.
 * @param headers More headers.
 * @returns The response.
 */
export function jsonResponse(
  req: Request,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const h = { ...ADMIN_HEADERS, "content-type": "application/json; charset=utf-8", ...headers };
  return new Response(req.method === "HEAD" ? null : JSON.stringify(value), { status, headers: h });
}
