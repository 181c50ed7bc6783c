/**
 * Password hashing: the `PasswordHasher` contract and `Argon2idHasher`
 * (argon2id through the native `@node-rs/argon2` addon, PHC strings).
 */
import { loadArgon2 } from "../../deps.ts";
import { UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/**
 * Hashes and verifies passwords as PHC strings. Passwords are NFC-normalised
 * first, so the same password typed on two keyboards (precomposed `å` or `a`
 * plus a combining ring) hashes the same.
 *
 * @example
 * ```ts
 * const phc = await hasher.hash("correct horse battery staple");
 * const user = await findUser(email);
 * const ok = user
 *   ? await hasher.verify(user.passwordHash, password)
 *   : await hasher.verifyDummy(password); // same cost as a wrong password
 * if (ok && hasher.needsRehash(user.passwordHash)) { ... hash again ... }
 * ```
 */
export interface PasswordHasher {
  /** A PHC string of `password` with a fresh random salt. */
  hash(password: string, options?: SignalOptions): Promise<string>;
  /**
   * True when `password` matches the PHC string `phc`; false otherwise.
   * Throws `TypeError` when `phc` is no hash this hasher can check.
   */
  verify(
    phc: string,
    password: string,
    options?: SignalOptions,
  ): Promise<boolean>;
  /**
   * Exactly one verification, against a fixed dummy hash with the current
   * parameters, always false: for an unknown account, so that an unknown
   * e-mail and a wrong password cost the same.
   */
  verifyDummy(password: string, options?: SignalOptions): Promise<false>;
  /** True when `phc` was made with weaker parameters or another algorithm. */
  needsRehash(phc: string): boolean;
}

/** Argon2 parameters, as in a PHC string (`m` in KiB, `t`, `p`). */
export interface Argon2Parameters {
  /** Memory in KiB (`m`; default and floor 19 456 = 19 MiB). */
  memoryCost: number;
  /** Passes (`t`; default and floor 2). */
  timeCost: number;
  /** Lanes (`p`; default and floor 1). */
  parallelism: number;
}

/** OWASP's argon2id minimum (Password Storage Cheat Sheet): the floor here. */
export const OWASP_ARGON2ID: Readonly<Argon2Parameters> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/** Options of `Argon2idHasher`. */
export interface Argon2idHasherOptions extends Partial<Argon2Parameters> {
  /**
   * Hashes computed at once (default: the number of CPUs). Deno runs each
   * napi job on a thread of its own, without a bound: 32 logins at once
   * were 32 threads and 32 × 19 MiB here, so the bound is ours.
   */
  concurrency?: number;
  /** Jobs that may wait for a slot before `UnavailableError` (default 1 000). */
  maxQueue?: number;
}

/** A parsed PHC string of the argon2 family. */
export interface ParsedPhc extends Argon2Parameters {
  algorithm: "argon2id" | "argon2i" | "argon2d";
  /** 19 (0x13) or 16 (0x10, when the string names none). */
  version: number;
  saltBytes: number;
  hashBytes: number;
}

const PHC =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const ARGON2ID = 2;
const VERSION_0X13 = 1;
const HASH_BYTES = 32;
const SALT_BYTES = 16;
/**
 * Longest password in UTF-8 bytes a hasher accepts: the policy allows 128
 * code points (≤ 512 bytes); anything longer never verifies and is not
 * hashed (argon2's cost grows with the input).
 */
export const MAX_PASSWORD_BYTES = 1024;

/** The parameters and sizes of an argon2 PHC string, or null when it is none. */
export function parsePhc(phc: string): ParsedPhc | null {
  const match = typeof phc === "string" ? PHC.exec(phc) : null;
  if (!match) return null;
  const [, algorithm, v, m, t, p, salt, hash] = match;
  return {
    algorithm: algorithm as ParsedPhc["algorithm"],
    version: v === undefined ? 16 : Number(v),
    memoryCost: Number(m),
    timeCost: Number(t),
    parallelism: Number(p),
    saltBytes: Math.floor(salt.length * 3 / 4),
    hashBytes: Math.floor(hash.length * 3 / 4),
  };
}

/**
 * argon2id (RFC 9106) through `@node-rs/argon2`, a native addon that hashes
 * on a worker thread: 17–20 ms per hash at the floor here, with the event
 * loop free meanwhile (hash-wasm blocked it for 100 ms). The process needs
 * `--allow-ffi` (see `loadArgon2` in deps.ts).
 *
 * Parameters below OWASP's floor (m = 19 MiB, t = 2, p = 1) are refused;
 * stronger ones are welcome, and `needsRehash` reports hashes made with
 * weaker ones so the login that verified them can store a new one.
 *
 * @example
 * ```ts
 * const hasher = new Argon2idHasher({ memoryCost: 65_536, timeCost: 3 });
 * const phc = await hasher.hash("correct horse battery staple");
 * // "$argon2id$v=19$m=65536,t=3,p=1$…$…"
 * ```
 */
export class Argon2idHasher implements PasswordHasher {
  readonly parameters: Readonly<Argon2Parameters>;
  /**
   * The fixed hash `verifyDummy` verifies against: a well-formed PHC string
   * with the current parameters whose hash no password has (its bytes are
   * zero), so checking it costs what checking a real one costs.
   */
  readonly dummyHash: string;
  readonly #concurrency: number;
  readonly #maxQueue: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: Argon2idHasherOptions = {}) {
    const parameters = {
      memoryCost: options.memoryCost ?? OWASP_ARGON2ID.memoryCost,
      timeCost: options.timeCost ?? OWASP_ARGON2ID.timeCost,
      parallelism: options.parallelism ?? OWASP_ARGON2ID.parallelism,
    };
    for (const name of ["memoryCost", "timeCost", "parallelism"] as const) {
      const value = parameters[name];
      if (!Number.isInteger(value) || value < OWASP_ARGON2ID[name]) {
        throw new RangeError(
          `argon2id ${name} must be an integer of at least ${
            OWASP_ARGON2ID[name]
          } (OWASP's minimum), got ${value}`,
        );
      }
    }
    if (
      parameters.memoryCost > 4 * 1024 * 1024 || parameters.parallelism > 16
    ) {
      throw new RangeError("argon2id memoryCost ≤ 4 GiB and parallelism ≤ 16");
    }
    this.parameters = Object.freeze(parameters);
    this.#concurrency = options.concurrency ??
      Math.max(1, navigator.hardwareConcurrency || 1);
    this.#maxQueue = options.maxQueue ?? 1_000;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError("concurrency must be a positive integer");
    }
    if (!Number.isInteger(this.#maxQueue) || this.#maxQueue < 0) {
      throw new RangeError("maxQueue must be a non-negative integer");
    }
    // A syntactically valid hash no password matches: verifying against it
    // runs argon2 with the current parameters, as a real verification does.
    this.dummyHash =
      `$argon2id$v=19$m=${parameters.memoryCost},t=${parameters.timeCost},p=${parameters.parallelism}$${DUMMY_SALT}$${DUMMY_HASH}`;
  }

  async hash(password: string, options?: SignalOptions): Promise<string> {
    const input = normalise(password);
    if (input === null) {
      throw new RangeError(
        `A password is a string of at most ${MAX_PASSWORD_BYTES} bytes`,
      );
    }
    const argon2 = await loadArgon2();
    return await this.#slot(() =>
      argon2.hash(input, {
        algorithm: ARGON2ID,
        version: VERSION_0X13,
        memoryCost: this.parameters.memoryCost,
        timeCost: this.parameters.timeCost,
        parallelism: this.parameters.parallelism,
        outputLen: HASH_BYTES,
        salt: crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
      }), options);
  }

  async verify(
    phc: string,
    password: string,
    options?: SignalOptions,
  ): Promise<boolean> {
    const parsed = parsePhc(phc);
    if (!parsed) throw new TypeError("Not an argon2 PHC string");
    const input = normalise(password);
    // Too long to be any password's: refused without the work. A dummy
    // verification refuses it the same way, so this discloses nothing.
    if (input === null) return false;
    const argon2 = await loadArgon2();
    try {
      return await this.#slot(() => argon2.verify(phc, input), options);
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      if (options?.signal?.aborted) throw options.signal.reason;
      throw new TypeError("Not a verifiable argon2 PHC string", {
        cause: error,
      });
    }
  }

  async verifyDummy(
    password: string,
    options?: SignalOptions,
  ): Promise<false> {
    await this.verify(this.dummyHash, password, options);
    return false;
  }

  needsRehash(phc: string): boolean {
    const parsed = parsePhc(phc);
    if (!parsed) return true;
    return parsed.algorithm !== "argon2id" ||
      parsed.version !== 19 ||
      parsed.memoryCost < this.parameters.memoryCost ||
      parsed.timeCost < this.parameters.timeCost ||
      parsed.parallelism < this.parameters.parallelism ||
      parsed.saltBytes < SALT_BYTES ||
      parsed.hashBytes < HASH_BYTES;
  }

  /** Runs `job` when fewer than `concurrency` run; queues it otherwise. */
  async #slot<T>(job: () => Promise<T>, options?: SignalOptions): Promise<T> {
    options?.signal?.throwIfAborted();
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxQueue) {
        throw new UnavailableError("Too many password checks at once", {
          retryAfter: 1,
        });
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      // A job once started cannot be stopped; an abort before is honoured.
      options?.signal?.throwIfAborted();
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

// 16 and 32 bytes, base64 without padding as PHC writes them.
const DUMMY_SALT = "dG1zLWR1bW15LXNhbHQxMg";
const DUMMY_HASH = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

function normalise(password: string): string | null {
  if (typeof password !== "string") return null;
  const nfc = password.normalize("NFC");
  // UTF-8 length without encoding: at most 3 bytes per UTF-16 unit.
  if (nfc.length * 3 > MAX_PASSWORD_BYTES) {
    if (new TextEncoder().encode(nfc).length > MAX_PASSWORD_BYTES) return null;
  }
  return nfc;
}
