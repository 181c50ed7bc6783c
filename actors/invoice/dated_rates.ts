/**
 * Rates that change over time, as dated configuration: the late-payment
 * interest (forsinkelsesrente, set every half year by the Ministry of Finance)
 * and the debt-collection rate (inkassosatsen, set yearly) with the share of it
 * a consumer may be charged as a reminder fee. A value holds from its `from`
 * date until the next entry's. Deployments add new periods with
 * `TMS_RATES_FILE` (JSON of the same shape) without a code change.
 */
import { Decimal } from "../../deps.ts";
import { isPlainDate } from "../validators/mod.ts";

/** A value in force from `from` (`YYYY-MM-DD`) until the next entry. */
export interface Dated<T> {
  from: string;
  value: T;
}

/** The dated rates TMS needs for reminders. Amounts and percents as strings. */
export interface DatedRates {
  /** Late-payment interest in percent per year. */
  forsinkelsesrente: Dated<string>[];
  /** The debt-collection rate in NOK. */
  inkassosats: Dated<string>[];
  /** The consumer reminder fee cap as a divisor of the inkassosats (20 = 1/20). */
  purregebyrDivisor: Dated<number>[];
}

/**
 * The rates shipped with TMS. Sources: forskrift om forsinkelsesrente
 * (regjeringen.no, «Forsinkelsesrente»), forskrift til inkassoloven § 1-1 and
 * its yearly inkassosats. Check new periods against the official publications
 * and add them through `TMS_RATES_FILE`.
 */
export const DEFAULT_RATES: DatedRates = {
  forsinkelsesrente: [
    { from: "2022-07-01", value: "9.25" },
    { from: "2023-01-01", value: "10.75" },
    { from: "2023-07-01", value: "11.75" },
    { from: "2024-01-01", value: "12.50" },
    { from: "2024-07-01", value: "12.50" },
    { from: "2025-01-01", value: "12.50" },
    { from: "2025-07-01", value: "12.50" },
    { from: "2026-01-01", value: "12.00" },
  ],
  inkassosats: [{ from: "2017-01-01", value: "700.00" }],
  purregebyrDivisor: [
    { from: "2009-01-01", value: 10 },
    { from: "2023-01-01", value: 20 },
  ],
};

/**
 * The value in force on `date`, or `null` before the first entry.
 *
 * @example
 * ```ts
 * rateOn(DEFAULT_RATES.forsinkelsesrente, "2023-08-15"); // "11.75"
 * ```
 */
export function rateOn<T>(table: readonly Dated<T>[], date: string): T | null {
  let found: T | null = null;
  for (const entry of table) {
    if (entry.from <= date) found = entry.value;
    else break;
  }
  return found;
}

/**
 * The most a consumer may be charged for one reminder on `date`: the
 * inkassosats divided by the divisor then in force, or `null` when unknown.
 *
 * @example
 * ```ts
 * consumerReminderFeeCap(DEFAULT_RATES, "2025-03-01"); // "35.00"
 * ```
 */
export function consumerReminderFeeCap(
  rates: DatedRates,
  date: string,
): string | null {
  const sats = rateOn(rates.inkassosats, date);
  const divisor = rateOn(rates.purregebyrDivisor, date);
  if (sats === null || divisor === null) return null;
  return new Decimal(sats).dividedBy(divisor).toDecimalPlaces(
    2,
    Decimal.ROUND_DOWN,
  ).toFixed(2);
}

const DAY_MS = 86_400_000;

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/**
 * Simple late-payment interest on `principal` for the days after `from` up to
 * and including `to`, at the rate in force on each day (actual days / 365),
 * rounded half up to øre once. Zero when `to` is not after `from`.
 *
 * @example
 * ```ts
 * lateInterest("1000.00", "2024-01-01", "2024-01-31", DEFAULT_RATES.forsinkelsesrente);
 * // "10.27" (30 days at 12.50 %)
 * ```
 */
export function lateInterest(
  principal: string,
  from: string,
  to: string,
  table: readonly Dated<string>[],
): string {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (!(end > start) || new Decimal(principal).lessThanOrEqualTo(0)) {
    return "0.00";
  }
  // Split [start+1, end] at each rate change.
  let total = new Decimal(0);
  let day = start + 1;
  while (day <= end) {
    const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    const rate = rateOn(table, date) ?? "0";
    const next = table.find((e) => dayNumber(e.from) > day);
    const until = Math.min(end, next ? dayNumber(next.from) - 1 : end);
    const days = until - day + 1;
    total = total.plus(
      new Decimal(principal).times(rate).dividedBy(100).times(days).dividedBy(
        365,
      ),
    );
    day = until + 1;
  }
  return total.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
}

function checkTable<T>(
  name: string,
  table: unknown,
  valid: (value: unknown) => value is T,
): Dated<T>[] {
  if (!Array.isArray(table) || table.length === 0) {
    throw new TypeError(`${name} must be a non-empty array of { from, value }`);
  }
  let previous = "";
  return table.map((entry, i) => {
    const from = entry?.from;
    if (!isPlainDate(from) || from <= previous) {
      throw new TypeError(
        `${name}[${i}].from must be a date after the previous entry's`,
      );
    }
    if (!valid(entry.value)) {
      throw new TypeError(`${name}[${i}].value is not valid`);
    }
    previous = from;
    return { from, value: entry.value };
  });
}

const isAmount = (v: unknown): v is string =>
  typeof v === "string" && /^\d+(\.\d{1,4})?$/.test(v);
const isDivisor = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v > 0;

/**
 * Validates rates read from JSON (e.g. `TMS_RATES_FILE`); entries must be in
 * date order. Throws `TypeError` naming the first bad field.
 */
export function parseDatedRates(json: unknown): DatedRates {
  const input = json as Record<string, unknown> | null;
  if (typeof input !== "object" || input === null) {
    throw new TypeError("Rates must be a JSON object");
  }
  return {
    forsinkelsesrente: checkTable(
      "forsinkelsesrente",
      input.forsinkelsesrente,
      isAmount,
    ),
    inkassosats: checkTable("inkassosats", input.inkassosats, isAmount),
    purregebyrDivisor: checkTable(
      "purregebyrDivisor",
      input.purregebyrDivisor,
      isDivisor,
    ),
  };
}
