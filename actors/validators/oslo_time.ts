/** Calendar arithmetic in Norwegian time (Europe/Oslo), without Temporal. */

const OSLO = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Oslo",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

const DAY_MS = 86_400_000;

function osloParts(ms: number): { date: string; time: string } {
  const parts = Object.fromEntries(
    OSLO.formatToParts(new Date(ms)).map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/**
 * The calendar date in Norway of an instant, `YYYY-MM-DD`. Throws `RangeError`
 * for an unparseable time.
 *
 * @example
 * ```ts
 * osloDay("2025-06-30T22:30:00Z"); // "2025-07-01"
 * ```
 */
export function osloDay(instant: string | number): string {
  const ms = typeof instant === "number" ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`Not a time: ${instant}`);
  return osloParts(ms).date;
}

/**
 * `date` plus `days` calendar days.
 *
 * @example
 * ```ts
 * addDays("2025-12-25", 14); // "2026-01-08"
 * ```
 */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`Not a date: ${date}`);
  return new Date(ms + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Whole days from `from` to `to` (negative when `to` is earlier).
 *
 * @example
 * ```ts
 * daysBetween("2025-01-01", "2025-01-15"); // 14
 * ```
 */
export function daysBetween(from: string, to: string): number {
  return Math.round(
    (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS,
  );
}

/**
 * The instant midnight starts `date` in Norway, as an ISO string in UTC.
 *
 * @example
 * ```ts
 * osloMidnight("2025-01-15"); // "2025-01-14T23:00:00.000Z"
 * osloMidnight("2025-07-15"); // "2025-07-14T22:00:00.000Z"
 * ```
 */
export function osloMidnight(date: string): string {
  const utc = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(utc)) throw new RangeError(`Not a date: ${date}`);
  for (const offsetHours of [1, 2, 0, 3]) {
    const candidate = utc - offsetHours * 3_600_000;
    const parts = osloParts(candidate);
    if (parts.date === date && parts.time === "00:00") {
      return new Date(candidate).toISOString();
    }
  }
  throw new RangeError(`No midnight found in Europe/Oslo for ${date}`);
}
