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
 *   `PasswordErrorCodes`, `DomainError` 422);
 * - access tokens: `TokenService` signs and verifies JWTs (EdDSA/Ed25519
 *   only, `typ: at+jwt`, `kid`, `iss`, `aud`, `sub`, `jti`, `iat`, `exp` ≤
 *   15 min, custom claims), serves the JWKS, rotates keys and MACs refresh
 *   tokens with a shared secret; failures are `UnauthorizedError`
 *   (`AuthErrorCodes`);
 * - the key set (`TokenKeyStore`: read, compare-and-set write) in
 *   `MemoryTokenKeyStore`, `FileTokenKeyStore` (embedded:
 *   `$TMS_DATA_DIR/auth_keys.json`, mode 0600, replaced by temp file and
 *   rename under an flock on `auth_keys.json.lock`) and
 *   `NatsTokenKeyStore` (distributed: JetStream KV bucket `tms_auth_keys`,
 *   key `keyset`, history 1, file storage). The value is JSON: `{ version:
 *   1, keys: [{ kid, alg: "EdDSA", publicJwk, privateJwk, createdAt,
 *   retiredAt }], refreshSecret }`, the current signer first with
 *   `retiredAt: null`; a retired key verifies for
 *   `RETIRED_KEY_RETENTION_SECONDS` (15 min + 1 min of reload + 1 min of
 *   clock tolerance) and is dropped at the next rotation after that;
 * - rate limits: `TokenBucketLimiter` (per key, per node, memory bounded)
 *   and `rateLimitHeaders` (`RateLimit-Policy` and `RateLimit` of
 *   draft-ietf-httpapi-ratelimit-headers-11).
 *
 * Imports `core`, `nats`, and jose and @node-rs/argon2 through `deps.ts`.
 *
 * @example
 * ```ts
 * import { Argon2idHasher, TokenService, FileTokenKeyStore } from "./mod.ts";
 * const tokens = await TokenService.open(
 *   new FileTokenKeyStore(`${dataDir}/auth_keys.json`),
 *   { issuer: "https://tms.example", audience: "tms" },
 * );
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
export { TokenService } from "./token_service.ts";
export { AuthErrorCodes } from "./token_types.ts";
export type {
  JwksKey,
  SignedToken,
  TokenClaims,
  TokenServiceOptions,
  VerifiedToken,
} from "./token_types.ts";
export {
  currentKey,
  ensureKeySet,
  KEY_RELOAD_SECONDS,
  MAX_ACCESS_TTL_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  RETIRED_KEY_RETENTION_SECONDS,
  rotateKeySet,
  verifyingKeys,
} from "./key_set.ts";
export type {
  PrivateJwk,
  PublicJwk,
  TokenKey,
  TokenKeySet,
  TokenKeyStore,
  VersionedKeySet,
} from "./key_set.ts";
export { MemoryTokenKeyStore } from "./memory_token_key_store.ts";
export { FileTokenKeyStore } from "./file_token_key_store.ts";
export { NatsTokenKeyStore } from "./nats_token_key_store.ts";
export type { NatsTokenKeyStoreOptions } from "./nats_token_key_store.ts";
export { rateLimitHeaders, TokenBucketLimiter } from "./rate_limit.ts";
export type { RateLimitResult, TokenBucketOptions } from "./rate_limit.ts";
