/** The check-digit schemes a KID (kundeidentifikasjon) can use. */
export const KidAlgorithm = {
  /** Luhn: weights 2,1,2,1… from the right, digit sums, remainder from 10. */
  MOD10: "MOD10",
  /** Weights 2..7 repeating from the right; remainder 10 gives check digit `-`. */
  MOD11: "MOD11",
} as const;
export type KidAlgorithm = (typeof KidAlgorithm)[keyof typeof KidAlgorithm];

/** Shortest and longest KID, check digit included. */
export const KID_LENGTH = { min: 2, max: 25 } as const;

/**
 * The Luhn (MOD10) check digit of a string of digits.
 *
 * @example
 * ```ts
 * kidMod10CheckDigit("7992739871"); // "3"
 * ```
 */
export function kidMod10CheckDigit(base: string): string {
  assertDigits(base);
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    let d = Number(base[base.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/**
 * The MOD11 check digit of a string of digits, weights 2,3,4,5,6,7 repeating from
 * the right: remainder 0 gives `"0"`, remainder 1 (check value 10) gives `"-"`.
 *
 * @example
 * ```ts
 * kidMod11CheckDigit("12345678"); // "5"
 * kidMod11CheckDigit("6"); // "-"
 * ```
 */
export function kidMod11CheckDigit(base: string): string {
  assertDigits(base);
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    sum += Number(base[base.length - 1 - i]) * (2 + (i % 6));
  }
  const remainder = sum % 11;
  if (remainder === 0) return "0";
  const check = 11 - remainder;
  return check === 10 ? "-" : String(check);
}

/**
 * A KID of `base` plus its check digit (2–25 characters in all).
 *
 * MOD11 bases whose check value is 10 give `null`: TMS never issues a KID
 * ending in `-` (many banks and payers mistype or reject it), so the caller
 * must choose another base, e.g. the next number. Throws `TypeError` when
 * `base` is not digits and `RangeError` when it is not 1–24 digits long.
 *
 * @example
 * ```ts
 * generateKid("7992739871", "MOD10"); // "79927398713"
 * generateKid("12345678", "MOD11"); // "123456785"
 * generateKid("6", "MOD11"); // null
 * ```
 */
export function generateKid(base: string, algorithm: "MOD10"): string;
export function generateKid(base: string, algorithm: KidAlgorithm):
  | string
  | null;
export function generateKid(
  base: string,
  algorithm: KidAlgorithm,
): string | null {
  assertDigits(base);
  if (base.length < KID_LENGTH.min - 1 || base.length > KID_LENGTH.max - 1) {
    throw new RangeError(
      `A KID base must be ${KID_LENGTH.min - 1}–${
        KID_LENGTH.max - 1
      } digits, got ${base.length}`,
    );
  }
  if (algorithm === KidAlgorithm.MOD10) return base + kidMod10CheckDigit(base);
  if (algorithm === KidAlgorithm.MOD11) {
    const check = kidMod11CheckDigit(base);
    return check === "-" ? null : base + check;
  }
  throw new TypeError(`Unknown KID algorithm ${String(algorithm)}`);
}

/**
 * True for a KID of 2–25 characters valid under `algorithm`. A trailing `-` is
 * accepted only for MOD11, and only where the check value is 10 (KIDs issued by
 * other systems can end so, even though {@linkcode generateKid} never does).
 *
 * @example
 * ```ts
 * isKid("79927398713", "MOD10"); // true
 * isKid("6-", "MOD11"); // true
 * isKid("6-", "MOD10"); // false
 * ```
 */
export function isKid(value: string, algorithm: KidAlgorithm): boolean {
  if (value.length < KID_LENGTH.min || value.length > KID_LENGTH.max) {
    return false;
  }
  const base = value.slice(0, -1);
  const check = value.slice(-1);
  if (!/^\d+$/.test(base)) return false;
  if (algorithm === KidAlgorithm.MOD10) {
    return /^\d$/.test(check) && kidMod10CheckDigit(base) === check;
  }
  if (algorithm === KidAlgorithm.MOD11) {
    return kidMod11CheckDigit(base) === check;
  }
  return false;
}

function assertDigits(base: string): void {
  if (typeof base !== "string" || !/^\d+$/.test(base)) {
    throw new TypeError("A KID base must be a non-empty string of digits");
  }
}
