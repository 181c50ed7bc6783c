const PATTERN = /^[A-Z]{2}\d{4,5}$/;

/**
 * True for a registreringsnummer (kjennemerke) in canonical form: two upper-case
 * letters A–Z and 4 or 5 digits, no spaces. Personalised plates are not covered.
 *
 * @example
 * ```ts
 * isRegistreringsnummer("EL12345"); // true
 * isRegistreringsnummer("el 12345"); // false (normalize it first)
 * ```
 */
export function isRegistreringsnummer(value: string): boolean {
  return PATTERN.test(value);
}

/**
 * The canonical form of a registreringsnummer (white space removed, upper case),
 * or `null` when it is not one.
 *
 * @example
 * ```ts
 * normalizeRegistreringsnummer(" el 12345 "); // "EL12345"
 * normalizeRegistreringsnummer("E112345"); // null
 * ```
 */
export function normalizeRegistreringsnummer(value: string): string | null {
  const canonical = value.replace(/\s+/g, "").toUpperCase();
  return PATTERN.test(canonical) ? canonical : null;
}
