import { mod11CheckDigit } from "./mod11.ts";

const WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * True for an 11-digit Norwegian kontonummer whose last digit is its MOD11 check
 * digit (weights 5,4,3,2,7,6,5,4,3,2; remainder 1 never makes a valid number).
 * Only the canonical form: use {@linkcode normalizeKontonummer} for input.
 *
 * @example
 * ```ts
 * isKontonummer("86011117947"); // true
 * isKontonummer("8601.11.17947"); // false (not canonical)
 * ```
 */
export function isKontonummer(value: string): boolean {
  if (!/^\d{11}$/.test(value)) return false;
  return mod11CheckDigit(value, WEIGHTS) === Number(value[10]);
}

/**
 * The canonical 11 digits of a kontonummer written with spaces or dots
 * (`8601 11 17947`, `8601.11.17947`), or `null` when it is not valid.
 *
 * @example
 * ```ts
 * normalizeKontonummer("8601.11.17947"); // "86011117947"
 * normalizeKontonummer("8601.11.17948"); // null
 * ```
 */
export function normalizeKontonummer(value: string): string | null {
  if (!/^[\d\s.]+$/.test(value)) return null;
  const digits = value.replace(/[\s.]/g, "");
  return isKontonummer(digits) ? digits : null;
}
