import { mod11CheckDigit } from "./mod11.ts";

const WEIGHTS_K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const WEIGHTS_K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/** What kind of identity number an 11-digit number is. */
export const FodselsnummerKind = {
  /** An ordinary fødselsnummer. */
  F: "F",
  /** A D-nummer (temporary residents): 4 added to the first digit of the day. */
  D: "D",
  /** An H-nummer (help number): 40 added to the month. */
  H: "H",
} as const;
export type FodselsnummerKind =
  (typeof FodselsnummerKind)[keyof typeof FodselsnummerKind];

/** The parts of a valid fødselsnummer. */
export interface ParsedFodselsnummer {
  kind: FodselsnummerKind;
  /** The birth date as `YYYY-MM-DD`, the century taken from the individnummer. */
  birthDate: string;
}

/** Options of {@linkcode isFodselsnummer} and {@linkcode parseFodselsnummer}. */
export interface FodselsnummerOptions {
  /** Accept D-numbers (day + 40). Default `true`. */
  allowDNumber?: boolean;
  /** Accept H-numbers (month + 40). Default `true`. */
  allowHNumber?: boolean;
}

/**
 * Parses an 11-digit fødselsnummer (or D-/H-number): both MOD11 check digits must
 * hold and the first six digits must be a real date in the century its
 * individnummer (digits 7–9) belongs to. `null` when any of that fails.
 *
 * Synthetic test numbers (Tenor's month + 80) and the 2032 scheme with relaxed
 * check digits are not accepted.
 *
 * @example
 * ```ts
 * parseFodselsnummer("01010012356"); // { kind: "F", birthDate: "1900-01-01" }
 * parseFodselsnummer("01010012357"); // null
 * ```
 */
export function parseFodselsnummer(
  value: string,
  options: FodselsnummerOptions = {},
): ParsedFodselsnummer | null {
  if (!/^\d{11}$/.test(value)) return null;
  if (mod11CheckDigit(value, WEIGHTS_K1) !== Number(value[9])) return null;
  if (mod11CheckDigit(value, WEIGHTS_K2) !== Number(value[10])) return null;
  let day = Number(value.slice(0, 2));
  let month = Number(value.slice(2, 4));
  const yy = Number(value.slice(4, 6));
  const individ = Number(value.slice(6, 9));
  let kind: FodselsnummerKind = FodselsnummerKind.F;
  if (day > 40) {
    if (options.allowDNumber === false) return null;
    kind = FodselsnummerKind.D;
    day -= 40;
  }
  if (month > 40) {
    if (options.allowHNumber === false || kind === FodselsnummerKind.D) {
      return null;
    }
    kind = FodselsnummerKind.H;
    month -= 40;
  }
  const year = century(individ, yy);
  if (year === null || !isRealDate(year, month, day)) return null;
  const pad = (n: number) => String(n).padStart(2, "0");
  return { kind, birthDate: `${year}-${pad(month)}-${pad(day)}` };
}

/**
 * True for a valid fødselsnummer (including D- and H-numbers unless turned off).
 *
 * @example
 * ```ts
 * isFodselsnummer("01010012356"); // true
 * isFodselsnummer("41010012420"); // true (a D-number)
 * isFodselsnummer("41010012420", { allowDNumber: false }); // false
 * ```
 */
export function isFodselsnummer(
  value: string,
  options?: FodselsnummerOptions,
): boolean {
  return parseFodselsnummer(value, options) !== null;
}

/**
 * Masks an 11-digit fødselsnummer for display: the date part stays, the
 * individnummer and check digits become `*`. Throws `RangeError` (without
 * echoing the value) when it is not 11 digits.
 *
 * @example
 * ```ts
 * maskFodselsnummer("01010012356"); // "010100*****"
 * ```
 */
export function maskFodselsnummer(value: string): string {
  if (!/^\d{11}$/.test(value)) {
    throw new RangeError("A fødselsnummer to mask must be 11 digits");
  }
  return `${value.slice(0, 6)}*****`;
}

function century(individ: number, yy: number): number | null {
  if (individ <= 499) return 1900 + yy;
  if (individ <= 749 && yy >= 54) return 1800 + yy;
  if (yy <= 39) return 2000 + yy;
  if (individ >= 900) return 1900 + yy;
  return null;
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}
