import type { SignalOptions } from "../../runtime/core/mod.ts";
import type { PasswordHasher } from "../../runtime/auth/mod.ts";

/**
 * A `PasswordHasher` that wraps a real one and counts what it is asked:
 * login tests assert "exactly one verification" (a known account's or the
 * dummy one) through it.
 *
 * @example
 * ```ts
 * const hasher = new CountingHasher(new Argon2idHasher());
 * await login(hasher, "nobody@example.com", "wrong password");
 * assert.equal(hasher.verifications, 1);
 * assert.equal(hasher.dummyVerifications, 1);
 * ```
 */
export class CountingHasher implements PasswordHasher {
  readonly inner: PasswordHasher;
  /** Calls of `hash`. */
  hashes = 0;
  /** Calls of `verify` and `verifyDummy` together. */
  verifications = 0;
  /** Calls of `verifyDummy`. */
  dummyVerifications = 0;
  /** Calls of `needsRehash`. */
  rehashChecks = 0;

  constructor(inner: PasswordHasher) {
    this.inner = inner;
  }

  hash(password: string, options?: SignalOptions): Promise<string> {
    this.hashes++;
    return this.inner.hash(password, options);
  }

  verify(
    phc: string,
    password: string,
    options?: SignalOptions,
  ): Promise<boolean> {
    this.verifications++;
    return this.inner.verify(phc, password, options);
  }

  verifyDummy(password: string, options?: SignalOptions): Promise<false> {
    this.verifications++;
    this.dummyVerifications++;
    return this.inner.verifyDummy(password, options);
  }

  needsRehash(phc: string): boolean {
    this.rehashChecks++;
    return this.inner.needsRehash(phc);
  }

  /** Sets every count back to 0. */
  reset(): void {
    this.hashes =
      this.verifications =
      this.dummyVerifications =
      this.rehashChecks =
        0;
  }
}
