/**
 * CSV export (RFC 4180) that spreadsheets open safely.
 *
 * @module
 */

// A cell a spreadsheet could run as a formula (CWE-1236) gets a leading "'" so it stays text:
// one that starts with a formula character (also after blanks or control characters, and the
// full-width forms some spreadsheets accept), starts with a tab or CR, or holds one after a
// separator, since a spreadsheet set to another separator (";" in many locales) or one that
// ignores quotes splits the cell there.
const FORMULA_CHARS = "=+\\-@\uFF1D\uFF0B\uFF0D\uFF20";
const FORMULA_REGEXP = new RegExp(
  `^[\\s\\x00-\\x1f]*[${FORMULA_CHARS}]|^[\\t\\r]|[,;\\t|][\\s\\x00-\\x1f]*[${FORMULA_CHARS}]`,
);
// quoted so that no separator of any locale, quote or line break splits the cell
const QUOTE_REGEXP = /[",;\t\r\n]/;

/**
 * Formats one CSV cell: `null` is empty, dates are ISO 8601, text a spreadsheet could take
 * for a formula gets a leading `'` (also after a `;` or a tab, which other locales split on),
 * and cells with commas, semicolons, tabs, quotes or line breaks are quoted.
 *
 * @param value The value.
 * @returns The cell.
 *
 * @example Usage
 * ```ts
 * import { csvCell } from "@sage/stream/admin";
 * import assert from "node:assert/strict";
 *
 * assert.equal(csvCell('say "hi", then'), '"say ""hi"", then"');
 * assert.equal(csvCell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
 * assert.equal(csvCell("x;=cmd|' /C calc'!A0"), `"'x;=cmd|' /C calc'!A0"`);
 * assert.equal(csvCell("\t=1+1"), `"'\t=1+1"`);
 * assert.equal(csvCell(-3), "-3");
 * ```
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_REGEXP.test(text)) text = "'" + text;
  return QUOTE_REGEXP.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Formats rows as CSV lines ending in CRLF.
 *
 * @param rows The rows, the header first.
 * @returns The text.
 */
export function csvLines(rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => row.map(csvCell).join(",") + "\r\n").join("");
}
