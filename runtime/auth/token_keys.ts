/**
 * The key material a `TokenService` works with: a stored key set imported
 * once (signer, verifiers with their retirement, the refresh-token MAC key),
 * and its checked options.
 */
import { importJWK } from "../../deps.ts";
import {
  currentKey,
  fromBase64url,
  MAX_ACCESS_TTL_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  RETIRED_KEY_RETENTION_SECONDS,
  verifyingKeys,
} from "./key_set.ts";
import type { TokenKeySet, VersionedKeySet } from "./key_set.ts";
import { ALGORITHM } from "./token_types.ts";
import type { JwksKey, TokenServiceOptions } from "./token_types.ts";

export interface Verifier {
  key: CryptoKey;
  jwk: JwksKey;
  /** Epoch ms after which it no longer verifies; null for the current key. */
  until: number | null;
}

export interface Loaded {
  revision: string;
  keySet: TokenKeySet;
  signer: { kid: string; key: CryptoKey };
  verifiers: Map<string, Verifier>;
  mac: CryptoKey;
}

/** Imports the keys of a stored set (reusing those imported before). */
export async function load(
  stored: VersionedKeySet,
  nowMs: number,
  imported: Map<string, Promise<CryptoKey>>,
): Promise<Loaded> {
  const { keySet } = stored;
  const importOnce = (id: string, jwk: object, kind: string) => {
    const cacheKey = `${kind}:${id}`;
    let key = imported.get(cacheKey);
    if (!key) {
      key = importJWK({ ...jwk }, ALGORITHM) as Promise<CryptoKey>;
      imported.set(cacheKey, key);
    }
    return key;
  };
  const verifiers = new Map<string, Verifier>();
  for (const key of verifyingKeys(keySet, nowMs)) {
    verifiers.set(key.kid, {
      until: key.retiredAt === null
        ? null
        : Date.parse(key.retiredAt) + RETIRED_KEY_RETENTION_SECONDS * 1000,
      key: await importOnce(key.kid, key.publicJwk, "public"),
      jwk: Object.freeze({
        ...key.publicJwk,
        kid: key.kid,
        alg: ALGORITHM,
        use: "sig",
      }),
    });
  }
  const current = currentKey(keySet);
  const mac = await crypto.subtle.importKey(
    "raw",
    fromBase64url(keySet.refreshSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return {
    revision: stored.revision,
    keySet,
    signer: {
      kid: current.kid,
      key: await importOnce(current.kid, current.privateJwk, "private"),
    },
    verifiers,
    mac,
  };
}

export type CheckedOptions = Required<Omit<TokenServiceOptions, "signal">>;

export function checkOptions(options: TokenServiceOptions): CheckedOptions {
  const { issuer, audience } = options;
  if (typeof issuer !== "string" || issuer === "") {
    throw new TypeError("issuer must be a non-empty string");
  }
  if (typeof audience !== "string" || audience === "") {
    throw new TypeError("audience must be a non-empty string");
  }
  const ttl = options.accessTtlSeconds ?? MAX_ACCESS_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_ACCESS_TTL_SECONDS) {
    throw new RangeError(
      `accessTtlSeconds must be an integer from 1 to ${MAX_ACCESS_TTL_SECONDS}`,
    );
  }
  const tolerance = options.clockToleranceSeconds ?? 5;
  if (
    !Number.isInteger(tolerance) || tolerance < 0 ||
    tolerance > MAX_CLOCK_TOLERANCE_SECONDS
  ) {
    throw new RangeError(
      `clockToleranceSeconds must be an integer from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`,
    );
  }
  return {
    issuer,
    audience,
    accessTtlSeconds: ttl,
    clockToleranceSeconds: tolerance,
    now: options.now ?? Date.now,
  };
}

export function usableAt(verifier: Verifier, nowMs: number): boolean {
  return verifier.until === null || verifier.until > nowMs;
}
