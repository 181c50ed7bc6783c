/**
 * CSV answers (RFC 4180): a header row and data rows, comma-separated,
 * fields with a comma, quote or line break quoted, CRLF line ends; money
 * as in JSON (`1250.00`). Asked for with `Accept: text/csv`.
 */
import type { Context } from "../deps.ts";

/** The media type of a CSV answer. */
export const CSV_TYPE = "text/csv; charset=utf-8; header=present";

/** True when the request asks for CSV (`Accept: text/csv`). */
export function wantsCsv(c: Context): boolean {
  return (c.req.header("accept") ?? "").toLowerCase().split(",").some((part) =>
    part.trim().split(";")[0] === "text/csv"
  );
}

function field(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV of `header` and `rows`.
 *
 * @example
 * ```ts
 * toCsv(["konto", "belop"], [["3000", "1250.00"]]); // "konto,belop\r\n3000,1250.00\r\n"
 * ```
 */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  return [header, ...rows].map((row) => row.map(field).join(",")).join(
    "\r\n",
  ) + "\r\n";
}

/** Answers `rows` as a CSV download named `filename`. */
export function csvResponse(
  c: Context,
  filename: string,
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): Response {
  c.header("Content-Disposition", `attachment; filename="${filename}"`);
  return c.body(toCsv(header, rows), 200, { "content-type": CSV_TYPE });
}
