/**
 * The password policy (NIST SP 800-63B § 3.1.1.2 and OWASP's): length, and no
 * password from the lists of leaked ones. No composition rules, no expiry.
 */
import { DomainError } from "../core/mod.ts";
import { COMMON_PASSWORDS } from "./common_passwords.ts";

/** Shortest password, in Unicode code points after NFC. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password, in Unicode code points after NFC. */
export const MAX_PASSWORD_LENGTH = 128;

/** Stable codes of the policy's `DomainError`s (status 422). */
export const PasswordErrorCodes = {
  tooShort: "password.too_short",
  tooLong: "password.too_long",
  tooCommon: "password.too_common",
} as const;

// What people add to a common word to pass a rule: digits and a symbol or two.
const SUFFIX = /[\d!@#$%^&*?.,_+=~-]+$/u;

/**
 * Checks `password` against the policy and returns it NFC-normalised (what
 * a hasher hashes). Throws `DomainError` (422) with
 * `PasswordErrorCodes.tooShort` under 12 code points, `tooLong` over 128,
 * `tooCommon` when it is, ignoring case, one of the built-in common
 * passwords, or one followed by digits and symbols (`Sommer2024!`).
 *
 * @example
 * ```ts
 * checkPassword("correct horse battery staple"); // returns it
 * checkPassword("Password123!");                  // throws password.too_common
 * ```
 */
export function checkPassword(password: string): string {
  if (typeof password !== "string") {
    throw new TypeError("A password is a string");
  }
  const nfc = password.normalize("NFC");
  const length = [...nfc].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new DomainError(
      PasswordErrorCodes.tooShort,
      `A password has at least ${MIN_PASSWORD_LENGTH} characters`,
      { status: 422 },
    );
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new DomainError(
      PasswordErrorCodes.tooLong,
      `A password has at most ${MAX_PASSWORD_LENGTH} characters`,
      { status: 422 },
    );
  }
  if (isCommonPassword(nfc)) {
    throw new DomainError(
      PasswordErrorCodes.tooCommon,
      "This password is among the most common ones; choose another",
      { status: 422 },
    );
  }
  return nfc;
}

/**
 * True when `password` (NFC, any case) is a common password, or one followed
 * by digits and symbols.
 */
export function isCommonPassword(password: string): boolean {
  const lower = password.normalize("NFC").toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return true;
  const suffix = SUFFIX.exec(lower);
  if (!suffix) return false;
  // Every split inside the suffix: `123456` + `789012` as well as `abc` + `123!`.
  for (let cut = suffix.index; cut < lower.length; cut++) {
    if (COMMON_PASSWORDS.has(lower.slice(0, cut))) return true;
  }
  return false;
}
