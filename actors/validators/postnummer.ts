/**
 * True for a Norwegian postnummer: exactly four digits. Whether the number is in
 * use (Posten's register) is not checked.
 *
 * @example
 * ```ts
 * isPostnummer("0150"); // true
 * isPostnummer("150"); // false
 * ```
 */
export function isPostnummer(value: string): boolean {
  return /^\d{4}$/.test(value);
}
