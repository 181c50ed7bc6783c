/**
 * Access tokens: JWTs signed with Ed25519 (`alg: EdDSA`, `typ: at+jwt`, RFC
 * 9068's header), verified against an explicit allow-list (RFC 8725 § 3.1).
 */
import { joseErrors, jwtVerify, SignJWT } from "../../deps.ts";
import type { JWTHeaderParameters, JWTPayload } from "../../deps.ts";
import { UnauthorizedError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";
import {
  base64url,
  ensureKeySet,
  KEY_RELOAD_SECONDS,
  MAX_ACCESS_TTL_SECONDS,
  rotateKeySet,
} from "./key_set.ts";
import type { TokenKeyStore, VersionedKeySet } from "./key_set.ts";

import {
  ALGORITHM,
  AuthErrorCodes,
  MAX_TOKEN_CHARS,
  RESERVED,
  TYPE,
  UNKNOWN_KID_RELOAD_MS,
} from "./token_types.ts";
import type {
  JwksKey,
  SignedToken,
  TokenClaims,
  TokenServiceOptions,
  VerifiedToken,
} from "./token_types.ts";
import { checkOptions, load, usableAt } from "./token_keys.ts";
import type { CheckedOptions, Loaded, Verifier } from "./token_keys.ts";

/**
 * Issues and verifies access tokens with the keys of a `TokenKeyStore`.
 *
 * Keys: the store holds one current signer and the keys retired in the last
 * `RETIRED_KEY_RETENTION_SECONDS` (they still verify). A node reloads the
 * set before it signs or verifies when its copy is older than
 * `KEY_RELOAD_SECONDS` (so it starts signing with a key rotated elsewhere,
 * and lists it in its JWKS, within a minute) and when a token names a `kid`
 * it does not know (at most once a second).
 * Everything is driven by `now`: no timers run.
 *
 * Signing is deterministic: the same claims (with `iat` and `jti`) and the
 * same current key give the same token, byte for byte (Ed25519 signatures
 * are deterministic, the payload is written in a fixed order), so a lost
 * response can be answered again with the identical token.
 *
 * @example
 * ```ts
 * const tokens = await TokenService.open(store, { issuer: "https://tms.example", audience: "tms" });
 * const { token } = await tokens.sign({ sub: userId, role: "ADMIN" });
 * const verified = await tokens.verify(token); // or UnauthorizedError
 * ```
 */
export class TokenService {
  readonly #store: TokenKeyStore;
  readonly #issuer: string;
  readonly #audience: string;
  readonly #ttl: number;
  readonly #tolerance: number;
  readonly #now: () => number;
  #loaded: Loaded;
  #loadedAt: number;
  #lastReload: number;
  #reloading: Promise<void> | null = null;
  #closed = false;
  /** Imported keys by kid: a key is imported once, whatever reloads follow. */
  readonly #imported = new Map<string, Promise<CryptoKey>>();

  private constructor(
    store: TokenKeyStore,
    options: CheckedOptions,
    loaded: Loaded,
    imported: Map<string, Promise<CryptoKey>>,
  ) {
    this.#store = store;
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#ttl = options.accessTtlSeconds;
    this.#tolerance = options.clockToleranceSeconds;
    this.#now = options.now;
    this.#loaded = loaded;
    this.#loadedAt = this.#lastReload = options.now();
    this.#imported = imported;
  }

  /**
   * Opens the service on `store`, creating the first key (and the refresh
   * secret) when the store has none. The store stays the caller's to close.
   */
  static async open(
    store: TokenKeyStore,
    options: TokenServiceOptions,
  ): Promise<TokenService> {
    const checked = checkOptions(options);
    const imported = new Map<string, Promise<CryptoKey>>();
    const stored = await ensureKeySet(store, checked.now(), {
      signal: options.signal,
    });
    const loaded = await load(stored, checked.now(), imported);
    return new TokenService(store, checked, loaded, imported);
  }

  /** Lifetime of the tokens this service issues, in seconds. */
  get accessTtlSeconds(): number {
    return this.#ttl;
  }

  /** The kid of the key that signs now (as of the last reload). */
  get currentKid(): string {
    return this.#loaded.signer.kid;
  }

  /**
   * Signs an access token for `claims.sub` with the current key. `iat`
   * defaults to now and `jti` to a random id; pass both to issue the very
   * token issued before. Custom claims may not be named `iss`, `aud`, `exp`
   * or `nbf` (`TypeError`); an `iat` in the future or so far back that the
   * token would be born expired is a `RangeError`.
   */
  async sign(claims: TokenClaims): Promise<SignedToken> {
    this.#open();
    const { sub, jti: givenJti, iat: givenIat, ...custom } = claims;
    if (typeof sub !== "string" || sub === "") {
      throw new TypeError("sub must be a non-empty string");
    }
    for (const name of Object.keys(custom)) {
      if (RESERVED.has(name)) {
        throw new TypeError(`The claim ${name} is the token service's own`);
      }
    }
    const now = Math.floor(this.#now() / 1000);
    const iat = givenIat ?? now;
    if (!Number.isInteger(iat)) throw new TypeError("iat must be an integer");
    if (iat > now + this.#tolerance || iat + this.#ttl <= now) {
      throw new RangeError(
        `iat ${iat} is not within the token lifetime of now (${now})`,
      );
    }
    const jti = givenJti ??
      base64url(crypto.getRandomValues(new Uint8Array(16)));
    if (typeof jti !== "string" || jti === "" || jti.length > 128) {
      throw new TypeError("jti must be a string of 1-128 characters");
    }
    await this.refresh();
    const exp = iat + this.#ttl;
    const payload: JWTPayload = {
      iss: this.#issuer,
      sub,
      aud: this.#audience,
      exp,
      iat,
      jti,
    };
    for (const name of Object.keys(custom).sort()) payload[name] = custom[name];
    const { signer } = this.#loaded;
    const header: JWTHeaderParameters = {
      alg: ALGORITHM,
      typ: TYPE,
      kid: signer.kid,
    };
    const token = await new SignJWT(payload).setProtectedHeader(header).sign(
      signer.key,
    );
    return { token, expiresIn: Math.max(0, exp - now), jti, exp };
  }

  /**
   * The claims of a valid token; `UnauthorizedError` with
   * `AuthErrorCodes.tokenExpired` when it expired (beyond the tolerance),
   * `tokenInvalid` for anything else: not a JWS, an algorithm other than
   * EdDSA (`none`, HS256 keyed with the public key, RS256…), a `typ` other
   * than `at+jwt`, a `kid` unknown even after a reload, a key past its
   * retention, a bad signature, the wrong `iss` or `aud`, an `iat` in the
   * future, a lifetime longer than 15 min, or a claim missing.
   */
  async verify(token: string): Promise<VerifiedToken> {
    this.#open();
    if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) {
      throw invalid("The access token is malformed");
    }
    await this.refresh();
    const nowMs = this.#now();
    let kid = "";
    let result;
    try {
      result = await jwtVerify(
        token,
        async (header) => {
          if (header.alg !== ALGORITHM) {
            throw new joseErrors.JOSEAlgNotAllowed("alg not allowed");
          }
          if (typeof header.kid !== "string") {
            throw new joseErrors.JWSInvalid("no kid");
          }
          kid = header.kid;
          return (await this.#verifier(header.kid, nowMs)).key;
        },
        {
          algorithms: [ALGORITHM],
          typ: TYPE,
          issuer: this.#issuer,
          audience: this.#audience,
          clockTolerance: this.#tolerance,
          currentDate: new Date(nowMs),
          requiredClaims: ["sub", "jti", "iat", "exp"],
        },
      );
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new UnauthorizedError(
          AuthErrorCodes.tokenExpired,
          "The access token has expired",
          { cause: error },
        );
      }
      if (error instanceof UnauthorizedError) throw error;
      throw invalid("The access token is not valid", error);
    }
    const { payload } = result;
    const { sub, jti, iat, exp } = payload;
    const now = Math.floor(nowMs / 1000);
    if (
      typeof sub !== "string" || typeof jti !== "string" ||
      !Number.isInteger(iat) || !Number.isInteger(exp)
    ) {
      throw invalid("The access token's claims are malformed");
    }
    if (iat! > now + this.#tolerance) {
      throw invalid("The access token was issued in the future");
    }
    if (exp! - iat! > MAX_ACCESS_TTL_SECONDS) {
      throw invalid(
        "The access token lives longer than any this service issues",
      );
    }
    return {
      sub,
      jti,
      iat: iat!,
      exp: exp!,
      kid,
      claims: Object.freeze({ ...payload }),
    };
  }

  /** The JWKS document: the public key of every key that still verifies. */
  jwks(): { keys: JwksKey[] } {
    const nowMs = this.#now();
    return {
      keys: [...this.#loaded.verifiers.values()]
        .filter((verifier) => usableAt(verifier, nowMs))
        .map((verifier) => verifier.jwk),
    };
  }

  /**
   * A new signing key, written to the store and used from now on; the old
   * one verifies until the last token it signed has expired. When another
   * node rotated at the same moment, both end with its key. Returns the kid.
   */
  async rotate(options?: SignalOptions): Promise<string> {
    this.#open();
    const stored = await rotateKeySet(this.#store, this.#now(), options);
    await this.#install(stored);
    return this.#loaded.signer.kid;
  }

  /**
   * HMAC-SHA256 of `value` with the key set's refresh secret (shared by the
   * nodes, kept across rotations), base64url without padding.
   */
  async refreshMac(value: string): Promise<string> {
    this.#open();
    if (typeof value !== "string") {
      throw new TypeError("value must be a string");
    }
    const mac = await crypto.subtle.sign(
      "HMAC",
      this.#loaded.mac,
      new TextEncoder().encode(value),
    );
    return base64url(new Uint8Array(mac));
  }

  /** Reloads the key set from the store now. */
  async reload(options?: SignalOptions): Promise<void> {
    this.#open();
    const stored = await this.#store.read(options);
    if (stored) await this.#install(stored);
  }

  /** Stops the service; the store stays open (it is the caller's). */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #open(): void {
    if (this.#closed) throw new TypeError("The token service is closed");
  }

  /** A verifying key by kid, reloading (rate-limited) when it is unknown. */
  async #verifier(kid: string, nowMs: number): Promise<Verifier> {
    const known = this.#usable(kid, nowMs);
    if (known) return known;
    if (this.#now() - this.#lastReload >= UNKNOWN_KID_RELOAD_MS) {
      await this.#reloadOnce();
    } else if (this.#reloading) {
      await this.#reloading;
    }
    const reloaded = this.#usable(kid, nowMs);
    if (reloaded) return reloaded;
    throw new joseErrors.JWKSNoMatchingKey("unknown kid");
  }

  #usable(kid: string, nowMs: number): Verifier | undefined {
    const verifier = this.#loaded.verifiers.get(kid);
    return verifier && usableAt(verifier, nowMs) ? verifier : undefined;
  }

  /**
   * Reloads the key set when this copy is older than `KEY_RELOAD_SECONDS`
   * (at most one attempt a second); never throws. `sign` and `verify` call
   * it; a JWKS route should too, before `jwks()`. While the store is down
   * the keys held go on signing (they verify everywhere until their
   * retention ends) and verifying.
   */
  async refresh(): Promise<void> {
    this.#open();
    const now = this.#now();
    if (now - this.#loadedAt < KEY_RELOAD_SECONDS * 1000) return;
    if (now - this.#lastReload < UNKNOWN_KID_RELOAD_MS) {
      await this.#reloading;
      return;
    }
    await this.#reloadOnce();
  }

  /** One reload at a time; callers meanwhile share it. */
  #reloadOnce(): Promise<void> {
    this.#reloading ??= (async () => {
      this.#lastReload = this.#now();
      try {
        await this.reload();
      } catch {
        // Verification answers from the keys held; signing goes on with them.
      } finally {
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  async #install(stored: VersionedKeySet): Promise<void> {
    const nowMs = this.#now();
    if (stored.revision !== this.#loaded.revision) {
      this.#loaded = await load(stored, nowMs, this.#imported);
    }
    this.#loadedAt = nowMs;
  }
}

function invalid(message: string, cause?: unknown): UnauthorizedError {
  return new UnauthorizedError(AuthErrorCodes.tokenInvalid, message, { cause });
}
