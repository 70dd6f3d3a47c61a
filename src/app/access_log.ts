// Internal: the CLI's one-line-per-request access log.

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
