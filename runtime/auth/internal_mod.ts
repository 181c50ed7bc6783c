/**
 * What only tests need beyond `mod.ts`: the common password list and the
 * password size bound.
 */
export * from "./mod.ts";
export { COMMON_PASSWORDS } from "./common_passwords.ts";
export { MAX_PASSWORD_BYTES } from "./password_hasher.ts";
