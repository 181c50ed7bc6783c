/**
 * Rate limits of `/api/`: per principal and per client address (IPv6 by its
 * /64; `X-Forwarded-For` only from a trusted proxy), a 429 problem with
 * `Retry-After` over the limit, `RateLimit-Policy` / `RateLimit` on every
 * answer a limit applied to, and bounded memory.
 */
import assert from "node:assert/strict";
import { Hono } from "../../deps.ts";
import { testApp } from "../support/app.ts";
import { clientInfo, TrustedProxies } from "../../http/client.ts";
import {
  DEFAULT_RATE_LIMITS,
  parseRateLimit,
  rateLimits,
} from "../../http/rate_limits.ts";
import { PROBLEM_CONTENT_TYPE, ProblemTypes } from "../../http/problem.ts";
import { createUser, TEST_PASSWORD, tokenOf } from "../support/auth.ts";

const conn = (hostname: string) => ({
  remoteAddr: { hostname, port: 40000, transport: "tcp" },
});

Deno.test("rate limits: a user over its limit gets 429 with Retry-After and the RateLimit fields; others are not affected", async () => {
  let now = Date.parse("2026-12-01T10:00:00Z");
  const t = await testApp({
    security: {
      rateLimitPerUser: { requests: 3, windowSeconds: 60 },
      rateLimitPerAddress: null,
      now: () => now,
    },
  });
  try {
    const me = () => t.app.request("/api/v2/users/me");
    for (const left of [2, 1, 0]) {
      const res = await me();
      await res.body?.cancel();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("ratelimit-policy"), '"user";q=3;w=60');
      assert.match(
        res.headers.get("ratelimit") ?? "",
        new RegExp(`^"user";r=${left};t=\\d+$`),
      );
    }
    const refused = await me();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("content-type"), PROBLEM_CONTENT_TYPE);
    // 3 a minute: the next request is there in 20 s.
    assert.equal(refused.headers.get("retry-after"), "20");
    assert.equal(refused.headers.get("ratelimit"), '"user";r=0;t=60');
    assert.equal(refused.headers.get("ratelimit-policy"), '"user";q=3;w=60');
    const body = await refused.json();
    assert.equal(body.type, ProblemTypes.tooMany);
    assert.equal(body.status, 429);
    // Someone else has a bucket of their own.
    await createUser(t.system, t.identity.users, {
      email: "ok@a.no",
      role: "ADMIN",
      bedriftId: null,
    });
    const other = await tokenOf(t.system, t.identity.users, "ok@a.no");
    const theirs = await t.app.request("/api/v2/users/me", {
      headers: { authorization: `Bearer ${other}` },
    });
    await theirs.body?.cancel();
    assert.equal(theirs.status, 200);
    // 20 s later one request is back, and one only.
    now += 20_000;
    const again = await me();
    await again.body?.cancel();
    assert.equal(again.status, 200);
    const after = await me();
    await after.body?.cancel();
    assert.equal(after.status, 429);
  } finally {
    await t.close();
  }
});

Deno.test("rate limits: per address before the token is looked at; X-Forwarded-For only from a trusted proxy; IPv6 by /64", async () => {
  const now = Date.parse("2026-12-01T10:00:00Z");
  const t = await testApp({
    security: {
      rateLimitPerUser: null,
      rateLimitPerAddress: { requests: 2, windowSeconds: 1 },
      trustedProxies: ["10.0.0.1"],
      now: () => now,
    },
  });
  try {
    const status = async (
      peer: string,
      headers: Record<string, string> = {},
    ) => {
      const res = await t.app.request(
        "/api/v2/bedrifter",
        { headers: { authorization: "Bearer not-even-a-jwt", ...headers } },
        conn(peer),
      );
      await res.body?.cancel();
      return res.status;
    };
    // A bad token is refused (401) until the address is over its limit (429):
    // the limit comes first, so a flood of bad tokens costs no verification.
    assert.deepEqual(
      [await status("203.0.113.7"), await status("203.0.113.7")],
      [401, 401],
    );
    assert.equal(await status("203.0.113.7"), 429);
    // A client cannot buy a new bucket by naming another address.
    assert.equal(
      await status("203.0.113.7", { "x-forwarded-for": "198.51.100.1" }),
      429,
    );
    assert.equal(await status("203.0.113.8"), 401);
    // Behind the trusted proxy the client is the hop it forwards, and hops
    // the client wrote itself (left of it) change nothing.
    const via = (xff: string) => status("10.0.0.1", { "x-forwarded-for": xff });
    assert.equal(await via("192.0.2.1"), 401);
    assert.equal(await via("1.1.1.1, 192.0.2.1"), 401);
    assert.equal(await via("2.2.2.2, 192.0.2.1"), 429);
    assert.equal(await via("192.0.2.2"), 401);
    // One IPv6 network (/64) is one client.
    assert.equal(await status("2001:db8:0:1::1"), 401);
    assert.equal(await status("2001:db8:0:1::2"), 401);
    assert.equal(await status("2001:db8:0:1:ffff::9"), 429);
    assert.equal(await status("2001:db8:0:2::1"), 401);
    // The login route is limited by address too (it has no principal).
    const login = await t.app.request(
      "/api/v2/auth/login",
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "" },
        body: JSON.stringify({ email: "x@y.no", password: TEST_PASSWORD }),
      },
      conn("203.0.113.7"),
    );
    await login.body?.cancel();
    assert.equal(login.status, 429);
    assert.equal(login.headers.get("ratelimit-policy"), '"address";q=2;w=1');
  } finally {
    await t.close();
  }
});

Deno.test("rate limits: both policies show in one answer; off means no fields at all", async () => {
  const both = await testApp({
    security: {
      rateLimitPerUser: { requests: 50, windowSeconds: 10 },
      rateLimitPerAddress: { requests: 100, windowSeconds: 60 },
    },
  });
  const none = await testApp({
    security: { rateLimitPerUser: null, rateLimitPerAddress: null },
  });
  try {
    const res = await both.app.request(
      "/api/v2/users/me",
      {},
      conn("192.0.2.9"),
    );
    await res.body?.cancel();
    assert.equal(
      res.headers.get("ratelimit-policy"),
      '"address";q=100;w=60, "user";q=50;w=10',
    );
    assert.match(
      res.headers.get("ratelimit") ?? "",
      /^"address";r=99;t=\d+, "user";r=49;t=\d+$/,
    );
    // Outside /api/ no limit applies.
    const health = await both.app.request(
      "/health/live",
      {},
      conn("192.0.2.9"),
    );
    await health.body?.cancel();
    assert.equal(health.headers.get("ratelimit"), null);
    const off = await none.app.request(
      "/api/v2/users/me",
      {},
      conn("192.0.2.9"),
    );
    await off.body?.cancel();
    assert.equal(off.status, 200);
    assert.equal(off.headers.get("ratelimit"), null);
    assert.equal(off.headers.get("ratelimit-policy"), null);
  } finally {
    await both.close();
    await none.close();
  }
});

Deno.test("rate limits: the buckets of many addresses stay within their bound", async () => {
  const limits = rateLimits({
    perUser: null,
    perAddress: { requests: 10, windowSeconds: 60 },
    maxKeys: 100,
  });
  const app = new Hono();
  app.use(clientInfo(new TrustedProxies()));
  app.use(limits.headers, limits.byAddress);
  app.get("/", (c) => c.text("ok"));
  for (let i = 0; i < 5000; i++) {
    const res = await app.request(
      "/",
      {},
      conn(`198.18.${i >> 8}.${i & 255}`),
    );
    assert.equal(res.status, 200);
  }
  assert.ok(limits.limiters.address!.size <= 100);
  assert.ok(limits.limiters.address!.evicted >= 4900);
});

Deno.test("rate limits: TMS_RATE_LIMIT_* read <requests>/<window> or off", () => {
  const parse = (raw: string) => parseRateLimit("TMS_RATE_LIMIT_PER_USER", raw);
  assert.deepEqual(parse("600/1m"), { requests: 600, windowSeconds: 60 });
  assert.deepEqual(parse("50/s"), { requests: 50, windowSeconds: 1 });
  assert.deepEqual(parse("10000/2h"), { requests: 10000, windowSeconds: 7200 });
  assert.equal(parse("off"), null);
  assert.deepEqual(parse("100000/1m"), DEFAULT_RATE_LIMITS.perUser);
  assert.deepEqual(parse("200000/1m"), DEFAULT_RATE_LIMITS.perAddress);
  for (
    const bad of [
      "",
      "0/1m",
      "10",
      "10/0s",
      "10/1d",
      "-1/1m",
      "ten/1m",
      "10/m/s",
    ]
  ) {
    assert.throws(
      () => parse(bad),
      (e: unknown) =>
        e instanceof RangeError && /TMS_RATE_LIMIT_PER_USER/.test(e.message),
      bad,
    );
  }
});
