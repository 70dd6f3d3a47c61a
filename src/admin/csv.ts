/**
 * CSV export (RFC 4180) that spreadsheets open safely.
 *
 * @module
 */

// A cell a spreadsheet would run as a formula (CWE-1236): prefixed with "'" so it stays text.
const FORMULA_REGEXP = /^[=+\-@\t\r]/;

/**
 * Formats one CSV cell: `null` is empty, dates are ISO 8601, text that starts like a formula
 * gets a leading `'`, and cells with commas, quotes or line breaks are quoted.
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
 * assert.equal(csvCell(-3), "-3");
 * ```
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_REGEXP.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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
