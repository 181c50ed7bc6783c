import assert from "node:assert/strict";
import {
  rateLimitHeaders,
  TokenBucketLimiter,
} from "../../../runtime/auth/mod.ts";

const T0 = 1_000_000;

Deno.test("rate limit: a full bucket serves a burst of `capacity`, then refuses and takes nothing", () => {
  const limiter = new TokenBucketLimiter({ capacity: 5, refillPerSecond: 1 });
  const remaining: number[] = [];
  for (let i = 0; i < 5; i++) {
    const result = limiter.take("ip-1", 1, T0);
    assert.equal(result.ok, true);
    assert.equal(result.retryAfterSeconds, 0);
    remaining.push(result.remaining);
  }
  assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
  const refused = limiter.take("ip-1", 1, T0);
  assert.deepEqual(refused, {
    ok: false,
    remaining: 0,
    limit: 5,
    windowSeconds: 5,
    resetSeconds: 5,
    retryAfterSeconds: 1,
  });
  // A refused take cost nothing: one second later exactly one token is back.
  assert.equal(limiter.take("ip-1", 1, T0 + 1000).ok, true);
  assert.equal(limiter.take("ip-1", 1, T0 + 1000).ok, false);
  // Other keys have buckets of their own.
  assert.equal(limiter.take("ip-2", 1, T0).remaining, 4);
});

Deno.test("rate limit: tokens refill continuously at the rate, up to the capacity", () => {
  const limiter = new TokenBucketLimiter({ capacity: 10, refillPerSecond: 2 });
  assert.equal(limiter.take("k", 10, T0).remaining, 0);
  const half = limiter.take("k", 1, T0 + 2_500); // +5 tokens, -1
  assert.equal(half.ok, true);
  assert.equal(half.remaining, 4);
  assert.equal(half.resetSeconds, 3, "6 tokens missing at 2/s");
  const idle = limiter.take("k", 1, T0 + 3_600_000);
  assert.equal(idle.remaining, 9, "never more than the capacity");
  // A clock that goes back adds nothing (and takes nothing back).
  const back = limiter.take("k", 1, T0);
  assert.equal(back.remaining, 8);
});

Deno.test("rate limit: a cost of several tokens, and Retry-After until they are all there", () => {
  const limiter = new TokenBucketLimiter({ capacity: 6, refillPerSecond: 0.5 });
  assert.equal(limiter.take("k", 4, T0).remaining, 2);
  const refused = limiter.take("k", 4, T0);
  assert.equal(refused.ok, false);
  assert.equal(refused.remaining, 2);
  assert.equal(refused.retryAfterSeconds, 4, "2 tokens missing at 0.5/s");
  assert.equal(limiter.take("k", 4, T0 + 3_999).ok, false);
  assert.equal(limiter.take("k", 4, T0 + 4_000).ok, true);
  assert.throws(() => limiter.take("k", 7, T0), RangeError, "can never fit");
  assert.throws(() => limiter.take("k", 0, T0), RangeError);
  assert.throws(() => limiter.take("k", 1.5, T0), RangeError);
});

Deno.test("rate limit: the window of a slow bucket, and the clock of the limiter by default", () => {
  let now = T0;
  const limiter = new TokenBucketLimiter({
    capacity: 5,
    refillPerSecond: 5 / 60,
    now: () => now,
  });
  const first = limiter.take("login:ip");
  assert.equal(first.windowSeconds, 60);
  assert.equal(first.resetSeconds, 12);
  for (let i = 0; i < 4; i++) limiter.take("login:ip");
  const refused = limiter.take("login:ip");
  assert.equal(refused.ok, false);
  assert.equal(refused.retryAfterSeconds, 12);
  now += 12_000;
  assert.equal(limiter.take("login:ip").ok, true);
  assert.throws(
    () => new TokenBucketLimiter({ capacity: 0, refillPerSecond: 1 }),
    RangeError,
  );
  assert.throws(
    () => new TokenBucketLimiter({ capacity: 1, refillPerSecond: 0 }),
    RangeError,
  );
  assert.throws(
    () =>
      new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: 0 }),
    RangeError,
  );
});

Deno.test("rate limit: memory is bounded; idle keys are evicted first, then the least recently used", () => {
  const limiter = new TokenBucketLimiter({
    capacity: 2,
    refillPerSecond: 1,
    maxKeys: 3,
  });
  limiter.take("a", 2, T0); // empty: busy until T0 + 2 s
  limiter.take("b", 2, T0);
  limiter.take("c", 1, T0 + 1_500); // half full until T0 + 2.5 s
  assert.equal(limiter.size, 3);
  // At T0 + 2 s, a and b are full again (idle), c is not: the oldest idle goes.
  limiter.take("d", 1, T0 + 2_000);
  assert.equal(limiter.size, 3);
  assert.equal(limiter.evicted, 1);
  assert.equal(limiter.take("c", 2, T0 + 2_000).ok, false, "c kept its state");
  assert.equal(limiter.take("b", 2, T0 + 2_000).ok, true, "b was kept too");
  // Nothing idle now (b, d, c all spent): the least recently used goes.
  limiter.take("e", 1, T0 + 2_000);
  assert.equal(limiter.size, 3);
  assert.equal(limiter.evicted, 2);
  // d was the least recently used: it comes back with a full bucket.
  assert.equal(limiter.take("d", 2, T0 + 2_000).ok, true);
  assert.equal(limiter.size, 3);
  limiter.reset("d");
  assert.equal(limiter.size, 2);
});

Deno.test("rate limit: many keys never grow past maxKeys", () => {
  const limiter = new TokenBucketLimiter({
    capacity: 3,
    refillPerSecond: 0.01,
    maxKeys: 100,
  });
  for (let i = 0; i < 10_000; i++) limiter.take(`ip-${i}`, 1, T0 + i);
  assert.equal(limiter.size, 100);
  assert.equal(limiter.evicted, 9_900);
  // The last ones used are the ones kept.
  assert.equal(limiter.take("ip-9999", 1, T0 + 10_000).remaining, 1);
});

Deno.test("rate limit headers: RateLimit-Policy and RateLimit as draft-ietf-httpapi-ratelimit-headers-11 writes them", () => {
  const limiter = new TokenBucketLimiter({
    capacity: 100,
    refillPerSecond: 100 / 60,
  });
  let result = limiter.take("k", 1, T0);
  for (let i = 0; i < 57; i++) result = limiter.take("k", 1, T0);
  assert.deepEqual(rateLimitHeaders(result, "default"), {
    "RateLimit-Policy": '"default";q=100;w=60',
    "RateLimit": '"default";r=42;t=35',
  });
  const small = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 0.1 });
  small.take("k", 1, T0);
  assert.deepEqual(rateLimitHeaders(small.take("k", 1, T0), "login"), {
    "RateLimit-Policy": '"login";q=1;w=10',
    "RateLimit": '"login";r=0;t=10',
    "Retry-After": "10",
  });
  for (const bad of ["", 'a"b', "a b", "x".repeat(65), "ø"]) {
    assert.throws(() => rateLimitHeaders(result, bad), TypeError, bad);
  }
});

Deno.test("token bucket: peek tells whether a take would pass and takes nothing", () => {
  const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1 });
  assert.equal(limiter.peek("k", 1, T0).ok, true, "an unseen key is full");
  assert.equal(limiter.size, 0, "peeking tracks nothing");
  limiter.take("k", 1, T0);
  limiter.take("k", 1, T0);
  const empty = limiter.peek("k", 1, T0);
  assert.equal(empty.ok, false);
  assert.equal(empty.retryAfterSeconds, 1);
  assert.equal(
    limiter.peek("k", 1, T0).ok,
    false,
    "still empty: nothing taken",
  );
  assert.equal(limiter.peek("k", 1, T0 + 1000).ok, true, "refilled");
});
