const INSTANT =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch ms of an ISO 8601 instant that states its offset (`Z` or `±hh:mm`), or
 * `null` for anything else (local times without an offset are ambiguous).
 *
 * @example
 * ```ts
 * parseInstant("2025-03-03T08:00:00+01:00"); // 1740985200000
 * parseInstant("2025-03-03T08:00:00"); // null
 * ```
 */
export function parseInstant(value: unknown): number | null {
  if (typeof value !== "string" || !INSTANT.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * True for a real calendar date written `YYYY-MM-DD` (years 0100–9999).
 *
 * @example
 * ```ts
 * isPlainDate("2024-02-29"); // true
 * isPlainDate("2023-02-29"); // false
 * ```
 */
export function isPlainDate(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return false;
  }
  const [y, m, d] = value.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 &&
    date.getUTCDate() === d;
}
