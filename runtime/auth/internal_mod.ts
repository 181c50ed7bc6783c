/**
 * What only tests need beyond `mod.ts`: the key-set helpers, the common
 * password list and the password size bound.
 */
export * from "./mod.ts";
export {
  base64url,
  checkKeySet,
  fromBase64url,
  newTokenKey,
} from "./key_set.ts";
export { COMMON_PASSWORDS } from "./common_passwords.ts";
export { MAX_PASSWORD_BYTES } from "./password_hasher.ts";
