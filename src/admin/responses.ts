/**
 * The admin's plain-text and JSON answers: its security headers, never cached.
 *
 * @module
 */

import { textResponse } from "../core/http.ts";
import { securityHeaders } from "../html/html.ts";

/** A short plain-text answer (a reason for a 4xx) with the admin's headers. */
export function text(req: Request, status: number, body: string, headers: HeadersInit = {}): Response {
  const h = securityHeaders();
  h.set("cache-control", "no-store");
  for (const [k, v] of new Headers(headers)) h.set(k, v);
  return textResponse(req, status, body, h);
}

/** A JSON answer with the admin's headers; HEAD gets the headers only. */
export function json(req: Request, status: number, value: unknown): Response {
  const h = securityHeaders();
  h.set("content-type", "application/json; charset=utf-8");
  h.set("cache-control", "no-store");
  return new Response(req.method === "HEAD" ? null : JSON.stringify(value), { status, headers: h });
}
