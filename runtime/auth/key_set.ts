/**
 * The access-token key set: what a `TokenKeyStore` stores, and the two
 * writes every backend shares (create the first set, rotate), each a
 * compare-and-set on the store's revision.
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
} from "../../deps.ts";
import { UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** An Ed25519 public key as a JWK (RFC 8037). */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

/** An Ed25519 private key as a JWK: the public part and `d`. */
export interface PrivateJwk extends PublicJwk {
  d: string;
}

/** One signing key. */
export interface TokenKey {
  /** Key id: the RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: "EdDSA";
  publicJwk: PublicJwk;
  privateJwk: PrivateJwk;
  /** ISO time of creation. */
  createdAt: string;
  /** ISO time it stopped signing; null for the current signer. */
  retiredAt: string | null;
}

/** Every key that signs or still verifies, and the refresh-token secret. */
export interface TokenKeySet {
  version: 1;
  /** The current signer first, then retired keys, newest first. */
  keys: TokenKey[];
  /**
   * 32 random bytes, base64url: the HMAC key of `TokenService.refreshMac`.
   * It does not rotate with the signing keys (a refresh token derived
   * before a rotation must derive the same successor after it).
   */
  refreshSecret: string;
}

/** A key set with the backend's revision of it. */
export interface VersionedKeySet {
  keySet: TokenKeySet;
  /** Opaque: a versionstamp, a bucket sequence, a content hash. */
  revision: string;
}

/**
 * Where the key set lives: one value, read whole and written by
 * compare-and-set, so two nodes (or a node and `deno task keys:rotate`)
 * writing at once end with one of the two writes and the other re-reads.
 * Private keys are in it: a backend keeps it owner-only.
 *
 * @example
 * ```ts
 * const current = await store.read();
 * const ok = await store.write(next, current?.revision ?? null);
 * ```
 */
export interface TokenKeyStore {
  /** The key set and its revision, or null when none was written yet. */
  read(options?: SignalOptions): Promise<VersionedKeySet | null>;
  /**
   * Writes `keySet` when the stored revision is still `revision` (null: no
   * set yet); false when another writer came first.
   */
  write(
    keySet: TokenKeySet,
    revision: string | null,
    options?: SignalOptions,
  ): Promise<boolean>;
  close(): Promise<void>;
}

/** Longest access-token lifetime a `TokenService` issues (15 min). */
export const MAX_ACCESS_TTL_SECONDS = 900;
/** Largest clock tolerance a `TokenService` allows. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;
/**
 * How stale a node's copy of the key set may get before it signs: after a
 * rotation elsewhere, a node goes on signing with the retired key for up to
 * this long.
 */
export const KEY_RELOAD_SECONDS = 60;
/**
 * How long a retired key goes on verifying: the last token it signed (at
 * most `KEY_RELOAD_SECONDS` after it retired, by a node that had not
 * reloaded yet) lives at most `MAX_ACCESS_TTL_SECONDS`, and a verifier may
 * be `MAX_CLOCK_TOLERANCE_SECONDS` behind.
 */
export const RETIRED_KEY_RETENTION_SECONDS = MAX_ACCESS_TTL_SECONDS +
  KEY_RELOAD_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS;

const MAX_CAS_ROUNDS = 20;

/** A fresh Ed25519 key (current: `retiredAt` null). */
export async function newTokenKey(nowMs: number): Promise<TokenKey> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  const pub = await exportJWK(publicKey);
  const priv = await exportJWK(privateKey);
  const publicJwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: pub.x! };
  return {
    kid: await calculateJwkThumbprint(publicJwk),
    alg: "EdDSA",
    publicJwk,
    privateJwk: { ...publicJwk, d: priv.d! },
    createdAt: new Date(nowMs).toISOString(),
    retiredAt: null,
  };
}

/** The key that signs: the newest one not retired. */
export function currentKey(keySet: TokenKeySet): TokenKey {
  let current: TokenKey | undefined;
  for (const key of keySet.keys) {
    if (
      key.retiredAt === null && (!current || key.createdAt > current.createdAt)
    ) {
      current = key;
    }
  }
  if (!current) throw new TypeError("The key set has no current key");
  return current;
}

/**
 * The keys that verify at `nowMs`: the current one and those retired less
 * than `RETIRED_KEY_RETENTION_SECONDS` ago.
 */
export function verifyingKeys(keySet: TokenKeySet, nowMs: number): TokenKey[] {
  return keySet.keys.filter((key) =>
    key.retiredAt === null ||
    Date.parse(key.retiredAt) + RETIRED_KEY_RETENTION_SECONDS * 1000 > nowMs
  );
}

/**
 * The stored key set, creating the first one (one key, a refresh secret)
 * when there is none; when two writers create at once, both get the one
 * that was written first.
 */
export async function ensureKeySet(
  store: TokenKeyStore,
  nowMs: number,
  options?: SignalOptions,
): Promise<VersionedKeySet> {
  for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
    const stored = await store.read(options);
    if (stored) return stored;
    const keySet: TokenKeySet = {
      version: 1,
      keys: [await newTokenKey(nowMs)],
      refreshSecret: base64url(crypto.getRandomValues(new Uint8Array(32))),
    };
    if (await store.write(keySet, null, options)) {
      const written = await store.read(options);
      if (written) return written;
    }
  }
  throw new UnavailableError("The key set kept changing; try again");
}

/**
 * Rotates: a new current key; the one before is retired (it verifies until
 * `RETIRED_KEY_RETENTION_SECONDS` have passed) and keys retired longer ago
 * are dropped. When another writer rotated since this call's first read,
 * its rotation stands and this call returns it: two nodes rotating at once
 * end with one new key, not two.
 */
export async function rotateKeySet(
  store: TokenKeyStore,
  nowMs: number,
  options?: SignalOptions,
): Promise<VersionedKeySet> {
  // The signer as this call first found it: a write that lands after that
  // read is another rotation, and it stands.
  let from: string | undefined;
  let fresh: TokenKey | undefined;
  for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
    const stored = await ensureKeySet(store, nowMs, options);
    const current = currentKey(stored.keySet);
    from ??= current.kid;
    if (current.kid !== from) return stored;
    fresh ??= await newTokenKey(nowMs);
    const retiredAt = new Date(nowMs).toISOString();
    const kept = verifyingKeys(stored.keySet, nowMs).map((key) =>
      key.retiredAt === null ? { ...key, retiredAt } : key
    );
    const next: TokenKeySet = {
      ...stored.keySet,
      keys: [fresh, ...kept],
    };
    if (await store.write(next, stored.revision, options)) {
      const written = await store.read(options);
      if (written) return written;
    }
  }
  throw new UnavailableError("The key set kept changing; try again");
}

/**
 * Throws `TypeError` unless `value` is a well-formed key set (every backend
 * checks what it reads: a hand-edited or truncated file must not sign).
 */
export function checkKeySet(value: unknown): TokenKeySet {
  const set = value as TokenKeySet;
  const fail = (why: string): never => {
    throw new TypeError(`Not an access-token key set: ${why}`);
  };
  if (typeof set !== "object" || set === null) fail("not an object");
  if (set.version !== 1) fail(`unknown version ${set.version}`);
  if (typeof set.refreshSecret !== "string" || set.refreshSecret.length < 43) {
    fail("no refresh secret");
  }
  if (!Array.isArray(set.keys) || set.keys.length === 0) fail("no keys");
  for (const key of set.keys) {
    if (
      typeof key?.kid !== "string" || key.alg !== "EdDSA" ||
      key.publicJwk?.kty !== "OKP" || key.publicJwk.crv !== "Ed25519" ||
      typeof key.publicJwk.x !== "string" ||
      typeof key.privateJwk?.d !== "string" ||
      key.privateJwk.x !== key.publicJwk.x ||
      typeof key.createdAt !== "string" ||
      (key.retiredAt !== null && typeof key.retiredAt !== "string")
    ) {
      fail(`malformed key ${String(key?.kid)}`);
    }
  }
  if (!set.keys.some((key) => key.retiredAt === null)) fail("no current key");
  return set;
}

/** Base64url without padding (RFC 4648 § 5). */
export function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Bytes of a base64url string. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}
