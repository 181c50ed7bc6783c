/**
 * @module auth
 *
 * The infrastructure of identity, with no knowledge of roles, tenants or
 * users (those are the domain's):
 *
 * - passwords: the `PasswordHasher` contract and `Argon2idHasher` (argon2id
 *   PHC strings through the native `@node-rs/argon2`, OWASP's m = 19 MiB,
 *   t = 2, p = 1 as the floor, `needsRehash`, `verifyDummy` for unknown
 *   accounts; the process needs `--allow-ffi`), and the policy
 *   `checkPassword` (12–128 code points after NFC, not a common password:
 *   `PasswordErrorCodes`, `DomainError` 422).
 *
 * Imports `core`, and @node-rs/argon2 through `deps.ts`.
 *
 * @example
 * ```ts
 * import { Argon2idHasher, checkPassword } from "./mod.ts";
 * const phc = await new Argon2idHasher().hash(checkPassword(password));
 * ```
 */
export { Argon2idHasher, OWASP_ARGON2ID, parsePhc } from "./password_hasher.ts";
export type {
  Argon2idHasherOptions,
  Argon2Parameters,
  ParsedPhc,
  PasswordHasher,
} from "./password_hasher.ts";
export {
  checkPassword,
  isCommonPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  PasswordErrorCodes,
} from "./password_policy.ts";
