/**
 * HTML built with a tagged template that escapes every interpolated value, so text that came
 * from clients (paths, user agents, user ids) can only ever be text.
 *
 * @module
 */

/** A piece of HTML that is already safe: produced by {@linkcode html} or {@linkcode trustedHtml}. */
export class SafeHtml {
  /** The markup. */
  readonly value: string;
  /**
   * Wraps markup that is known to be safe.
   *
   * @param value The markup.
   */
  constructor(value: string) {
    this.value = value;
  }
  /** The markup. */
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};
const ESCAPE_REGEXP = /[&<>"'`]/g;

/**
 * Escapes text for HTML content and quoted attribute values.
 *
 * @param text Any text.
 * @returns The text with `& < > " ' \`` replaced by character references.
 *
 * @example Usage
 * ```ts
 * import { escapeHtml } from "@sage/stream/admin";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeHtml('<script>"x"</script>'), "&lt;script&gt;&quot;x&quot;&lt;/script&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(ESCAPE_REGEXP, (c) => ESCAPES[c]);
}

/** Something that can be interpolated in {@linkcode html}. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/**
 * A tagged template for HTML: strings, numbers and arrays are escaped; {@linkcode SafeHtml}
 * (the result of another `html` template) is inserted as it is; `null`, `undefined` and
 * `false` render as nothing. Attribute values must be quoted in the template.
 *
 * @param strings The template's literal parts.
 * @param values The interpolated values.
 * @returns The markup.
 *
 * @example Usage
 * ```ts
 * import { html } from "@sage/stream/admin";
 * import assert from "node:assert/strict";
 *
 * const path = "<img src=x onerror=alert(1)>.mp4";
 * assert.equal(html`<td title="${path}">${path}</td>`.value,
 *   '<td title="&lt;img src=x onerror=alert(1)&gt;.mp4">&lt;img src=x onerror=alert(1)&gt;.mp4</td>');
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let parts = COMPACT.get(strings);
  if (parts === undefined) {
    // line breaks and indentation in the template (the formatter's) become one space
    parts = strings.map((s) => s.replace(/[ \t]*\n\s*/g, " "));
    COMPACT.set(strings, parts);
  }
  let out = parts[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + parts[i + 1];
  return new SafeHtml(out);
}

const COMPACT = new WeakMap<TemplateStringsArray, string[]>();

/**
 * Marks markup as safe without escaping it. Only for markup the program built itself.
 *
 * @param markup The markup.
 * @returns It, as {@linkcode SafeHtml}.
 */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Formats a byte count for people: `0 B`, `912 B`, `1.5 KiB`, `12.0 MiB`, `3.21 GiB`.
 *
 * @param bytes The count.
 * @returns The text.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * The security headers of every HTML page: a Content-Security-Policy that allows no script at
 * all and styles only from the app's own stylesheet, no framing, no sniffing, no referrer.
 *
 * @param extraCsp More CSP directives, such as `"media-src 'self'"`.
 * @returns The headers.
 */
export function securityHeaders(extraCsp: string[] = []): Headers {
  return new Headers({
    "content-security-policy": [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self' data:",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      ...extraCsp,
    ].join("; "),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
  });
}

/**
 * {@linkcode securityHeaders} without extra directives, as a record to spread under other
 * headers: the plain-text answers of the admin and the player carry them too.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(securityHeaders()),
);

/**
 * An HTML response with {@linkcode securityHeaders} and `Cache-Control: no-store`.
 *
 * @param req The request (HEAD gets no body).
 * @param body The page.
 * @param status The status.
 * @param headers More headers.
 * @param extraCsp More CSP directives.
 * @returns The response.
 */
export function htmlResponse(
  req: Request,
  body: SafeHtml,
  status = 200,
  headers: HeadersInit = {},
  extraCsp: string[] = [],
): Response {
  const h = securityHeaders(extraCsp);
  h.set("content-type", "text/html; charset=utf-8");
  h.set("cache-control", "no-store");
  for (const [k, v] of new Headers(headers)) h.set(k, v);
  return new Response(req.method === "HEAD" ? null : "<!doctype html>\n" + body.value, {
    status,
    headers: h,
  });
}
