/**
 * Token-bucket rate limiting per key (an IP, an account, a route and a
 * principal), in the memory of one node, and the IETF RateLimit header
 * fields that tell a client about it.
 */
import { HttpHeaders } from "../core/mod.ts";

/** Options of `TokenBucketLimiter`. */
export interface TokenBucketOptions {
  /** Tokens a full bucket holds: the burst (a positive integer). */
  capacity: number;
  /** Tokens added per second (positive). */
  refillPerSecond: number;
  /**
   * Keys tracked at most (default 10 000). Past it, idle keys (full
   * buckets: forgetting them loses nothing) go first, then the least
   * recently used.
   */
  maxKeys?: number;
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** The outcome of one `take`. */
export interface RateLimitResult {
  /** True when the tokens were taken: serve the request. */
  ok: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** The bucket's capacity (the quota `q`). */
  limit: number;
  /** Seconds a full bucket takes to refill from empty (the window `w`). */
  windowSeconds: number;
  /** Seconds until the bucket is full again (0 when it is). */
  resetSeconds: number;
  /** Seconds until `cost` tokens are there (0 when `ok`): `Retry-After`. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Float noise below a token or a second. */
const EPSILON = 1e-9;
/** How many of the oldest keys an insertion looks at for an idle one. */
const EVICTION_SCAN = 16;

/**
 * Token buckets per key: `capacity` tokens, refilled continuously at
 * `refillPerSecond`; a request takes `cost`. Per node: each node counts on
 * its own, so behind a load balancer of N nodes a client may get up to N
 * times the quota (a shared limiter would cost a NATS round trip per
 * request; the login limits this guards are about slowing guessing, which a
 * per-node bound does).
 *
 * Memory is bounded by `maxKeys`: a new key past it evicts an idle key
 * among the oldest, else the least recently used one (whose bucket then
 * starts full again: an attacker with many keys can buy back tokens that
 * way, so size `maxKeys` above the keys a node sees in a refill window).
 *
 * @example
 * ```ts
 * const logins = new TokenBucketLimiter({ capacity: 5, refillPerSecond: 5 / 60 });
 * const result = logins.take(`login:${ip}`);
 * for (const [name, value] of Object.entries(rateLimitHeaders(result, "login"))) {
 *   c.header(name, value);
 * }
 * if (!result.ok) throw new UnavailableError("Too many attempts", { status: 429, retryAfter: result.retryAfterSeconds });
 * ```
 */
export class TokenBucketLimiter {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly maxKeys: number;
  readonly #now: () => number;
  /** Insertion order = recency: a take moves its key to the end. */
  readonly #buckets = new Map<string, Bucket>();
  #evicted = 0;

  constructor(options: TokenBucketOptions) {
    const { capacity, refillPerSecond } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError("capacity must be a positive integer");
    }
    if (!(refillPerSecond > 0) || !Number.isFinite(refillPerSecond)) {
      throw new RangeError("refillPerSecond must be a positive number");
    }
    const maxKeys = options.maxKeys ?? 10_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError("maxKeys must be a positive integer");
    }
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.maxKeys = maxKeys;
    this.#now = options.now ?? Date.now;
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Keys dropped to stay within `maxKeys` so far. */
  get evicted(): number {
    return this.#evicted;
  }

  /**
   * Whether `cost` tokens are there for `key`, taking none: for limits that
   * count only outcomes (failed logins), checked before the attempt and
   * taken after it failed. A key never seen reads as a full bucket.
   */
  peek(key: string, cost = 1, now: number = this.#now()): RateLimitResult {
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? this.#level(bucket, now) : this.capacity;
    const ok = tokens + EPSILON >= cost;
    const rate = this.refillPerSecond;
    return {
      ok,
      remaining: Math.floor(tokens + EPSILON),
      limit: this.capacity,
      windowSeconds: Math.max(1, seconds(this.capacity / rate)),
      resetSeconds: seconds((this.capacity - tokens) / rate),
      retryAfterSeconds: ok ? 0 : Math.max(1, seconds((cost - tokens) / rate)),
    };
  }

  /**
   * Takes `cost` tokens from `key`'s bucket when it has them. A refused take
   * takes nothing. `now` (epoch ms) defaults to the limiter's clock.
   */
  take(key: string, cost = 1, now: number = this.#now()): RateLimitResult {
    if (!Number.isInteger(cost) || cost < 1 || cost > this.capacity) {
      throw new RangeError(
        `cost must be an integer from 1 to ${this.capacity}`,
      );
    }
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
      bucket.tokens = this.#level(bucket, now);
      bucket.at = Math.max(bucket.at, now);
    } else {
      this.#makeRoom(now);
      bucket = { tokens: this.capacity, at: now };
    }
    this.#buckets.set(key, bucket);
    // 1e-9: refills add up in floating point (2 + 3.999 × 0.5 + 0.0005 < 4).
    const ok = bucket.tokens + EPSILON >= cost;
    if (ok) bucket.tokens = Math.max(0, bucket.tokens - cost);
    const rate = this.refillPerSecond;
    return {
      ok,
      remaining: Math.floor(bucket.tokens + EPSILON),
      limit: this.capacity,
      windowSeconds: Math.max(1, seconds(this.capacity / rate)),
      resetSeconds: seconds((this.capacity - bucket.tokens) / rate),
      retryAfterSeconds: ok
        ? 0
        : Math.max(1, seconds((cost - bucket.tokens) / rate)),
    };
  }

  /** Forgets `key` (e.g. after a successful login). */
  reset(key: string): void {
    this.#buckets.delete(key);
  }

  /** Tokens in `bucket` at `now` (a clock that went back refills nothing). */
  #level(bucket: Bucket, now: number): number {
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    return Math.min(
      this.capacity,
      bucket.tokens + elapsed * this.refillPerSecond,
    );
  }

  #makeRoom(now: number): void {
    if (this.#buckets.size < this.maxKeys) return;
    let scanned = 0;
    for (const [key, bucket] of this.#buckets) {
      if (this.#level(bucket, now) + EPSILON >= this.capacity) {
        this.#buckets.delete(key);
        this.#evicted++;
        if (this.#buckets.size < this.maxKeys) return;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    // No idle key among the oldest: the least recently used goes.
    while (this.#buckets.size >= this.maxKeys) {
      const oldest = this.#buckets.keys().next().value!;
      this.#buckets.delete(oldest);
      this.#evicted++;
    }
  }
}

const POLICY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The RateLimit header fields of draft-ietf-httpapi-ratelimit-headers-11
 * (Structured Field Lists; the policy's name is an sf-string):
 *
 * - `RateLimit-Policy: "<name>";q=<capacity>;w=<window>`, the window being
 *   the seconds a bucket takes to refill from empty;
 * - `RateLimit: "<name>";r=<remaining>;t=<seconds until full again>`;
 * - and `Retry-After` when the take was refused.
 *
 * @example
 * ```ts
 * rateLimitHeaders(limiter.take(ip), "login");
 * // { "RateLimit-Policy": '"login";q=5;w=60', "RateLimit": '"login";r=4;t=12' }
 * ```
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  policyName: string,
): Record<string, string> {
  if (!POLICY_NAME.test(policyName)) {
    throw new TypeError(
      "A policy name is 1-64 letters, digits, '_', '.' or '-'",
    );
  }
  const name = `"${policyName}"`;
  const headers: Record<string, string> = {
    [HttpHeaders.rateLimitPolicy]:
      `${name};q=${result.limit};w=${result.windowSeconds}`,
    [HttpHeaders.rateLimit]:
      `${name};r=${result.remaining};t=${result.resetSeconds}`,
  };
  if (!result.ok) {
    headers[HttpHeaders.retryAfter] = String(result.retryAfterSeconds);
  }
  return headers;
}

/** Whole seconds, rounded up, ignoring float noise (0.30000000000000004). */
function seconds(value: number): number {
  return Math.max(0, Math.ceil(value - EPSILON));
}
