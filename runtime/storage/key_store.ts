/**
 * Per-subject encryption of personal data (AES-256-GCM, WebCrypto). Each data
 * subject (a person) gets their own key; events hold only ciphertext. Erasure
 * deletes the key (crypto-shredding): the append-only log and its backups stay
 * as they are, and the data in them can no longer be read.
 */
import { BoundedCache, DomainError, UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** Stable error codes of the key stores. */
export const KeyErrorCode = {
  /** The subject's key was shredded: it takes no new personal data. */
  SUBJECT_ERASED: "keys.subject_erased",
} as const;

/** A ciphertext with what it takes to decrypt it; base64 fields. */
export interface EncryptedValue {
  /** `<subject>:<key id>`: names the subject's key. */
  keyId: string;
  ciphertext: string;
  iv: string;
}

/**
 * Keys per data subject. Shredding leaves a tombstone in place of the key:
 * an erased subject never gets a key again (`encrypt` refuses with a
 * `DomainError`), so nothing written late — a snapshot taken just before an
 * erasure, a command racing it — can bring the person's data back under a
 * fresh key.
 *
 * @example
 * ```ts
 * const value = await keys.encrypt("employee-1", "01010012356");
 * await keys.decrypt(value); // "01010012356"
 * await keys.shred("employee-1");
 * await keys.decrypt(value); // null
 * ```
 */
export interface KeyStore {
  /** Encrypts with the subject's key, creating it on first use. */
  encrypt(
    subject: string,
    plaintext: string,
    options?: SignalOptions,
  ): Promise<EncryptedValue>;
  /** The plaintext, or `null` when the key is gone (shredded). */
  decrypt(
    value: EncryptedValue,
    options?: SignalOptions,
  ): Promise<string | null>;
  /**
   * `decrypt` of many values, in order, loading each subject's key once:
   * what a reader of a batch of events uses.
   */
  decryptAll(
    values: readonly EncryptedValue[],
    options?: SignalOptions,
  ): Promise<(string | null)[]>;
  /**
   * Deletes the subject's key and leaves a tombstone; true when there was a
   * key. Idempotent.
   */
  shred(subject: string, options?: SignalOptions): Promise<boolean>;
  /** True when the subject's key was shredded (a tombstone is there). */
  erased(subject: string, options?: SignalOptions): Promise<boolean>;
  /**
   * A keyed hash of `value` for lookups by personal data: stable across nodes
   * and restarts, meaningless without the scope's index key.
   */
  blindIndex(scope: string, value: string): Promise<string>;
  close(): Promise<void>;
}

/** A subject's raw key as a backend stores it, or its tombstone. */
export interface StoredKey {
  keyId: string;
  /** Base64 of the 32 raw key bytes; empty in a tombstone. */
  key: string;
  createdAt: string;
  /** Set in a tombstone: when the key was shredded. */
  shreddedAt?: string;
}

/** True for the tombstone a shredded key leaves. */
export function isTombstone(key: StoredKey | null): boolean {
  return key !== null && typeof key.shreddedAt === "string";
}

const SUBJECT = /^[A-Za-z0-9_-]{1,128}$/;

/** Throws `TypeError` unless `subject` is a safe subject id. */
export function checkSubject(subject: string): string {
  if (typeof subject !== "string" || !SUBJECT.test(subject)) {
    throw new TypeError("A key subject is 1-128 letters, digits, _ or -");
  }
  return subject;
}

export function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * AES-256-GCM over a backend of raw keys. The key id is the additional
 * authenticated data, so a ciphertext cannot be moved to another subject.
 * Key creation is serialised per subject, and a backend's `create` must fail
 * (return the existing key) when another writer created one first.
 */
export abstract class AesKeyStore implements KeyStore {
  readonly #cache = new Map<string, { keyId: string; key: CryptoKey }>();
  readonly #creating = new Map<string, Promise<StoredKey>>();
  readonly #indexKeys = new Map<string, CryptoKey>();
  readonly #caching: boolean;
  /**
   * Plaintexts by sealed value (key id, iv and ciphertext), of what this store encrypted or opened lately
   * (when it caches keys): the readers of one sealed commit — projections,
   * process managers, the outbox — then cost a lookup each, not an AES
   * round each. Emptied when a key is shredded.
   */
  readonly #opened = new BoundedCache<string, string>(20_000);

  /**
   * `cache: false` loads the key on every use: for a backend other processes
   * share, where a key another process shredded must stop working here too.
   */
  constructor(options: { cache?: boolean } = {}) {
    this.#caching = options.cache ?? true;
  }

  /**
   * True when `create` is as cheap as `load` and answers with the key or
   * tombstone that holds: a key for use is then created without a read
   * first (a new data subject costs one write, an existing one a failed
   * write and a read).
   */
  protected readonly createAnswers: boolean = false;

  /** The subject's stored key, or null. */
  protected abstract load(subject: string): Promise<StoredKey | null>;
  /** Stores `key` unless the subject has one; returns the one that holds. */
  protected abstract create(
    subject: string,
    key: StoredKey,
  ): Promise<StoredKey>;
  /** Removes whatever the subject has (key or tombstone); true when there was something. */
  protected abstract remove(subject: string): Promise<boolean>;
  /** Every subject that has a key (index keys included). */
  protected abstract subjects(): AsyncIterable<string>;
  abstract close(): Promise<void>;

  /**
   * Every stored key with its subject: the separate `--keys` export of a
   * backup. The raw keys are secrets; whoever holds them can read the
   * personal data of every subject whose key has not been shredded since.
   */
  async *exportKeys(): AsyncIterable<{ subject: string; key: StoredKey }> {
    for await (const subject of this.subjects()) {
      const key = await this.load(subject);
      if (key && !isTombstone(key)) yield { subject, key };
    }
  }

  /**
   * Stores an exported key unless the subject has one or was shredded here;
   * false when something was there (the store's key or tombstone holds, so
   * an old export never brings back a key shredded since).
   */
  async importKey(subject: string, key: StoredKey): Promise<boolean> {
    checkSubject(subject);
    const held = await this.create(subject, key);
    return held.keyId === key.keyId && held.key === key.key;
  }

  /**
   * The subject's stored key, created on first use when `create`; `null`
   * when there is none or it was shredded (then `create` throws).
   */
  async #stored(subject: string, create: boolean): Promise<StoredKey | null> {
    // A backend whose `create` answers with what holds (a key or a
    // tombstone) in one round needs no read before it.
    const stored = create && this.createAnswers
      ? null
      : await this.#loadLive(subject, create);
    if (stored || !create) return stored;
    let pending = this.#creating.get(subject);
    if (!pending) {
      const raw = crypto.getRandomValues(new Uint8Array(32));
      pending = this.create(subject, {
        keyId: `${subject}:${crypto.randomUUID()}`,
        key: toBase64(raw),
        createdAt: new Date().toISOString(),
      }).finally(() => this.#creating.delete(subject));
      this.#creating.set(subject, pending);
    }
    const held = await pending;
    if (isTombstone(held)) throw erasedError(subject);
    return held;
  }

  /** The live key, or null; a tombstone throws when `refuse`, else reads as null. */
  async #loadLive(subject: string, refuse: boolean): Promise<StoredKey | null> {
    const stored = await this.load(subject);
    if (!isTombstone(stored)) return stored;
    if (refuse) throw erasedError(subject);
    return null;
  }

  async #key(
    subject: string,
    create: boolean,
  ): Promise<{ keyId: string; key: CryptoKey } | null> {
    const cached = this.#cache.get(subject);
    if (cached) return cached;
    const stored = await this.#stored(subject, create);
    if (!stored) return null;
    const key = await crypto.subtle.importKey(
      "raw",
      fromBase64(stored.key),
      "AES-GCM",
      false,
      ["encrypt", "decrypt"],
    );
    const entry = { keyId: stored.keyId, key };
    if (this.#caching) this.#cache.set(subject, entry);
    return entry;
  }

  /**
   * A keyed hash (HMAC-SHA-256, hex) of `value` under the scope's index key:
   * the same value gives the same index on every node, and without the key
   * nobody can tell which value an index stands for. For lookups by personal
   * data (an e-mail address) without keeping it in clear. Index keys belong
   * to no person and are never shredded.
   */
  async blindIndex(scope: string, value: string): Promise<string> {
    const subject = checkSubject(`index-${scope}`);
    let key = this.#indexKeys.get(subject);
    if (!key) {
      const stored = (await this.#stored(subject, true))!;
      key = await crypto.subtle.importKey(
        "raw",
        fromBase64(stored.key),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      this.#indexKeys.set(subject, key);
    }
    const mac = await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode(value),
    );
    return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0"))
      .join("");
  }

  async encrypt(subject: string, plaintext: string): Promise<EncryptedValue> {
    checkSubject(subject);
    const { keyId, key } = (await this.#key(subject, true))!;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      {
        name: "AES-GCM",
        iv,
        additionalData: new TextEncoder().encode(keyId),
      },
      key,
      new TextEncoder().encode(plaintext),
    );
    const value = {
      keyId,
      ciphertext: toBase64(new Uint8Array(ciphertext)),
      iv: toBase64(iv),
    };
    if (this.#caching) this.#opened.set(sealedKey(value), plaintext);
    return value;
  }

  async decryptAll(
    values: readonly EncryptedValue[],
  ): Promise<(string | null)[]> {
    const keys = new Map<string, Promise<CryptoKey | null>>();
    return await Promise.all(values.map((value) => {
      const known = this.#caching
        ? this.#opened.get(sealedKey(value))
        : undefined;
      if (known !== undefined) return known;
      const subject = value.keyId.slice(0, value.keyId.lastIndexOf(":"));
      let key = keys.get(value.keyId);
      if (!key) {
        key = SUBJECT.test(subject)
          ? this.#key(subject, false).then((entry) =>
            entry && entry.keyId === value.keyId ? entry.key : null
          )
          : Promise.resolve(null);
        keys.set(value.keyId, key);
      }
      return key.then(async (k) => {
        const plain = k ? await open(k, value) : null;
        if (plain !== null && this.#caching) {
          this.#opened.set(sealedKey(value), plain);
        }
        return plain;
      });
    }));
  }

  async decrypt(value: EncryptedValue): Promise<string | null> {
    return (await this.decryptAll([value]))[0];
  }

  async shred(subject: string): Promise<boolean> {
    checkSubject(subject);
    this.#cache.delete(subject);
    this.#opened.clear();
    const at = new Date().toISOString();
    const tombstone: StoredKey = {
      keyId: `${subject}:shredded`,
      key: "",
      createdAt: at,
      shreddedAt: at,
    };
    let had = false;
    // A key another writer creates between the removal and the tombstone is
    // removed again: the tombstone must be what holds.
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.load(subject);
      if (isTombstone(current)) return had;
      if (current) had = (await this.remove(subject)) || had;
      const held = await this.create(subject, tombstone);
      this.#cache.delete(subject);
      if (isTombstone(held)) return had;
    }
    throw new UnavailableError(`The key of ${subject} could not be shredded`, {
      retryAfter: 1,
    });
  }

  async erased(subject: string): Promise<boolean> {
    checkSubject(subject);
    return isTombstone(await this.load(subject));
  }
}

/** A sealed value as a whole: a ciphertext only opens under its key id and iv. */
function sealedKey(value: EncryptedValue): string {
  return `${value.keyId}|${value.iv}|${value.ciphertext}`;
}

function erasedError(subject: string): DomainError {
  return new DomainError(
    KeyErrorCode.SUBJECT_ERASED,
    `The personal data of ${subject} was erased; it takes no new data`,
  );
}

async function open(
  key: CryptoKey,
  value: EncryptedValue,
): Promise<string | null> {
  try {
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: fromBase64(value.iv),
        additionalData: new TextEncoder().encode(value.keyId),
      },
      key,
      fromBase64(value.ciphertext),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

/** Keys in memory: for tests. */
export class MemoryKeyStore extends AesKeyStore {
  readonly #keys = new Map<string, StoredKey>();

  protected load(subject: string): Promise<StoredKey | null> {
    return Promise.resolve(this.#keys.get(subject) ?? null);
  }

  protected create(subject: string, key: StoredKey): Promise<StoredKey> {
    const existing = this.#keys.get(subject);
    if (existing) return Promise.resolve(existing);
    this.#keys.set(subject, key);
    return Promise.resolve(key);
  }

  protected remove(subject: string): Promise<boolean> {
    return Promise.resolve(this.#keys.delete(subject));
  }

  protected async *subjects(): AsyncIterable<string> {
    yield* [...this.#keys.keys()];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
