// The CLI's one-line-per-request access log.

import { requestUrl } from "../core/http.ts";
import { clientAddressOf, type ProxyHeader } from "../endpoint/client_address.ts";
import type { RuntimeHandler } from "../runtime/mod.ts";

/** What one access-log line says about a request. */
export interface AccessEntry {
  time: Date;
  clientAddress: string | null;
  method: string;
  /** The request target: path and query. */
  target: string;
  status: number;
  /** The `Content-Length` sent, or `null` when there was none. */
  length: number | null;
  durationMs: number;
}

// deno-lint-ignore no-control-regex
const UNPRINTABLE_REGEXP = /[\u0000-\u001f\u007f-\u009f"\\]/g;

// Signatures in logs would let anyone who reads them replay the URL until it expires.
const SIGNATURE_REGEXP = /([?&]sig=)[^&]*/g;

/** Escapes what could forge log lines or terminal output: controls, quotes, backslashes. */
function printable(text: string): string {
  return text.replace(UNPRINTABLE_REGEXP, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * Formats `2024-05-01T12:00:00.000Z 127.0.0.1 "GET /stream?path=a.mp4" 206 1048576 3ms`: an
 * ISO time, the client, the request line (signature hidden), status, body length, duration.
 */
export function formatAccessLine(entry: AccessEntry): string {
  const target = printable(entry.target.replace(SIGNATURE_REGEXP, "$1…"));
  return `${entry.time.toISOString()} ${entry.clientAddress ?? "-"} "${printable(entry.method)} ${target}" ` +
    `${entry.status} ${entry.length ?? "-"} ${Math.round(entry.durationMs)}ms`;
}

/**
 * Wraps a handler so that it writes one access-log line per request to `log`.
 *
 * @param handler The handler.
 * @param log Receives access-log lines.
 * @param trustProxy Proxies trusted for the logged client address.
 * @param proxyHeader The forwarding header those proxies set.
 * @returns The wrapped handler: it answers as `handler` does, and logs once the answer is made
 *   (before its body is sent).
 *
 * @example Usage
 * ```ts
 * import { withAccessLog } from "@sage/stream/cli";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const handler = withAccessLog(() => new Response("hi"), (line) => lines.push(line));
 * await (await handler(new Request("http://localhost/stream?path=a.mp4&sig=abc"))).text();
 * assert.match(lines[0], / - "GET \/stream\?path=a\.mp4&sig=…" 200 (2|-) \d+ms$/);
 * ```
 */
export function withAccessLog(
  handler: RuntimeHandler,
  log: (line: string) => void,
  trustProxy = 0,
  proxyHeader: ProxyHeader = "x-forwarded-for",
): RuntimeHandler {
  return async (req, info) => {
    const started = performance.now();
    const res = await handler(req, info);
    const url = requestUrl(req);
    const length = res.headers.get("content-length");
    log(formatAccessLine({
      time: new Date(),
      clientAddress: clientAddressOf(req, info, trustProxy, proxyHeader),
      method: req.method,
      target: url.pathname + url.search,
      status: res.status,
      length: length === null ? null : Number(length),
      durationMs: performance.now() - started,
    }));
    return res;
  };
}
