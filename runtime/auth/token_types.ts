/** The contracts of access tokens: options, claims, results, error codes and the fixed algorithm. */
import type { JWTPayload } from "../../deps.ts";
import type { SignalOptions } from "../core/mod.ts";
import type { PublicJwk } from "./key_set.ts";

/** Options of `TokenService.open`. */
export interface TokenServiceOptions extends SignalOptions {
  /** `iss` of every token, checked on verification. */
  issuer: string;
  /** `aud` of every token, checked on verification. */
  audience: string;
  /** Lifetime of an access token (default and maximum 900 s). */
  accessTtlSeconds?: number;
  /** Leeway on `exp` and `iat` for clocks that differ (default 5 s, ≤ 60). */
  clockToleranceSeconds?: number;
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** Claims to sign: `sub`, optionally `jti` and `iat`, and custom claims. */
export type TokenClaims = Record<string, unknown> & {
  sub: string;
  /** Token id (default: random). */
  jti?: string;
  /** Issued-at, epoch seconds (default: now). */
  iat?: number;
};

/** A signed access token. */
export interface SignedToken {
  token: string;
  /** Seconds from now until `exp`. */
  expiresIn: number;
  jti: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** What a valid token says. */
export interface VerifiedToken {
  sub: string;
  jti: string;
  /** Epoch seconds. */
  iat: number;
  /** Epoch seconds. */
  exp: number;
  /** The key that signed it. */
  kid: string;
  /** Every claim of the token, registered and custom. */
  claims: Readonly<JWTPayload>;
}

/** A public key in the JWKS document (`/.well-known/jwks.json`). */
export interface JwksKey extends PublicJwk {
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

/** Stable codes of the `UnauthorizedError`s of `verify`. */
export const AuthErrorCodes = {
  tokenInvalid: "auth.token_invalid",
  tokenExpired: "auth.token_expired",
} as const;

/** The only signature algorithm signed or accepted. */
export const ALGORITHM = "EdDSA";
/** RFC 9068 § 2.1; jose also accepts `application/at+jwt`. */
export const TYPE = "at+jwt";
/** Claims the service sets itself; a caller may not. */
export const RESERVED = new Set([
  "iss",
  "aud",
  "exp",
  "nbf",
  "sub",
  "jti",
  "iat",
]);
export const MAX_TOKEN_CHARS = 8 * 1024;
/** An unknown `kid` reloads the key set at most once a second. */
export const UNKNOWN_KID_RELOAD_MS = 1_000;
