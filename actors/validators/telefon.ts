/**
 * A Norwegian telephone number in E.164 form (`+47` and 8 digits), or `null`.
 *
 * Accepts 8 digits with an optional `+47` or `0047` prefix and spaces anywhere.
 * The 8-digit number must start with 2–9: no Norwegian subscriber number starts
 * with 0 or 1 (those are prefixes and short codes).
 *
 * @example
 * ```ts
 * normalizeTelefon("912 34 567"); // "+4791234567"
 * normalizeTelefon("0047 22 33 44 55"); // "+4722334455"
 * normalizeTelefon("12345678"); // null
 * ```
 */
export function normalizeTelefon(value: string): string | null {
  const compact = value.replace(/ +/g, "");
  const match = /^(?:\+47|0047)?([2-9]\d{7})$/.exec(compact);
  return match ? `+47${match[1]}` : null;
}

/**
 * True when {@linkcode normalizeTelefon} accepts the value.
 *
 * @example
 * ```ts
 * isTelefon("+47 912 34 567"); // true
 * isTelefon("+46 70 123 45 67"); // false
 * ```
 */
export function isTelefon(value: string): boolean {
  return normalizeTelefon(value) !== null;
}
