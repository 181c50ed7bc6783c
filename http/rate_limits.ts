/**
 * Rate limits of `/api/`: a token bucket per client address, taken before
 * the token is verified (a flood of bad tokens costs no signature checks),
 * and one per principal, taken after. Limits are per node: behind a load
 * balancer of N nodes a client may get up to N times them. An answer a
 * limit applied to says so in `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers); a refused request is a 429
 * problem with `Retry-After`.
 */
import type { MiddlewareHandler } from "../deps.ts";
import { HttpHeaders, UnavailableError } from "../runtime/core/mod.ts";
import { rateLimitHeaders, TokenBucketLimiter } from "../runtime/auth/mod.ts";
import type { RateLimitResult } from "../runtime/auth/mod.ts";
import { addressKey } from "./client.ts";

/** A limit: `requests` in a bucket that refills completely in `windowSeconds`. */
export interface RateLimitSpec {
  requests: number;
  windowSeconds: number;
}

/**
 * The defaults: generous — they stop a runaway client, not a busy
 * integration (a user's 100 000 requests a minute is ~1 700/s sustained,
 * about half of what one node commits).
 */
export const DEFAULT_RATE_LIMITS = {
  perUser: { requests: 100_000, windowSeconds: 60 },
  perAddress: { requests: 200_000, windowSeconds: 60 },
} as const satisfies Record<string, RateLimitSpec>;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * Parses `N/window` (`600/1m`, `50/s`, `10000/1h`), or `off` (null).
 * Throws `RangeError` naming `name` for anything else.
 *
 * @example
 * ```ts
 * parseRateLimit("TMS_RATE_LIMIT_PER_USER", "600/1m"); // { requests: 600, windowSeconds: 60 }
 * ```
 */
export function parseRateLimit(
  name: string,
  raw: string,
): RateLimitSpec | null {
  if (raw === "off") return null;
  const match = /^([1-9]\d{0,8})\/([1-9]\d{0,5})?([smh])$/.exec(raw);
  if (!match) {
    throw new RangeError(
      `${name} must be "<requests>/<window>" (e.g. 600/1m, 50/s, 10000/1h) or "off", got "${raw}"`,
    );
  }
  return {
    requests: Number(match[1]),
    windowSeconds: Number(match[2] ?? 1) * UNITS[match[3]],
  };
}

/** Options of `rateLimits`. */
export interface RateLimitOptions {
  /** Per principal (null: off). */
  perUser: RateLimitSpec | null;
  /** Per client address, IPv6 by its /64 (null: off). */
  perAddress: RateLimitSpec | null;
  /** Buckets kept per limit (default 20 000); idle ones go first. */
  maxKeys?: number;
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** A limit taken for a request: its policy's name and the outcome. */
export interface TakenLimit {
  name: string;
  result: RateLimitResult;
}

function limiter(
  spec: RateLimitSpec | null,
  options: RateLimitOptions,
): TokenBucketLimiter | null {
  return spec && new TokenBucketLimiter({
    capacity: spec.requests,
    refillPerSecond: spec.requests / spec.windowSeconds,
    maxKeys: options.maxKeys ?? 20_000,
    now: options.now,
  });
}

function refuse(result: RateLimitResult, whose: string): never {
  throw new UnavailableError(`Too many requests ${whose}`, {
    status: 429,
    retryAfter: result.retryAfterSeconds,
  });
}

/**
 * The middlewares of the limits, in the order they go: `headers` (writes
 * `RateLimit-Policy` and `RateLimit` of every limit taken, also on a
 * refusal) and `byAddress` before the access middleware, `byPrincipal`
 * after it.
 *
 * @example
 * ```ts
 * const limits = rateLimits({ perUser: { requests: 600, windowSeconds: 60 }, perAddress: null });
 * app.use("/api/*", limits.headers, limits.byAddress);
 * app.use("/api/*", access(...));
 * app.use("/api/*", limits.byPrincipal);
 * ```
 */
export function rateLimits(options: RateLimitOptions): {
  headers: MiddlewareHandler;
  byAddress: MiddlewareHandler;
  byPrincipal: MiddlewareHandler;
  /** The buckets (for the tests). */
  limiters: {
    user: TokenBucketLimiter | null;
    address: TokenBucketLimiter | null;
  };
} {
  const user = limiter(options.perUser, options);
  const address = limiter(options.perAddress, options);
  return {
    limiters: { user, address },
    async headers(c, next) {
      const taken: TakenLimit[] = [];
      c.set("rateLimits", taken);
      await next();
      if (taken.length === 0) return;
      const policies: string[] = [];
      const limits: string[] = [];
      for (const { name, result } of taken) {
        const headers = rateLimitHeaders(result, name);
        policies.push(headers[HttpHeaders.rateLimitPolicy]);
        limits.push(headers[HttpHeaders.rateLimit]);
      }
      c.header(HttpHeaders.rateLimitPolicy, policies.join(", "));
      c.header(HttpHeaders.rateLimit, limits.join(", "));
    },
    async byAddress(c, next) {
      const client = c.get("client")?.address ?? null;
      if (address && client !== null) {
        const result = address.take(addressKey(client));
        c.get("rateLimits")?.push({ name: "address", result });
        if (!result.ok) refuse(result, "from this address");
      }
      await next();
    },
    async byPrincipal(c, next) {
      const who = c.get("principal");
      if (user && who) {
        const result = user.take(who.subject);
        c.get("rateLimits")?.push({ name: "user", result });
        if (!result.ok) refuse(result, "for this user");
      }
      await next();
    },
  };
}
