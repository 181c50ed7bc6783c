/**
 * What every answer tells a browser: security headers, HSTS only over TLS
 * (directly or through a trusted proxy), no caching of per-caller answers,
 * and CORS for exactly the configured origins.
 */
import assert from "node:assert/strict";
import { testApp } from "../support/app.ts";
import {
  API_CSP,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  HSTS,
  parseCorsOrigins,
} from "../../http/security.ts";

const ORIGIN = "https://app.trafikkskole.no";
const conn = (hostname: string) => ({
  remoteAddr: { hostname, port: 40000, transport: "tcp" },
});

Deno.test("security headers: on API answers, errors, open routes and pages", async () => {
  const t = await testApp();
  try {
    const answers = {
      json: await t.app.request("/api/v2/users/me"),
      problem: await t.app.request("/api/v2/users/me", {
        headers: { authorization: "" },
      }),
      unknown: await t.app.request("/api/v2/no-such-route"),
      health: await t.app.request("/health/live"),
      problemPage: await t.app.request("/problems/not-found", {
        headers: { accept: "text/html" },
      }),
    };
    for (const [name, res] of Object.entries(answers)) {
      await res.body?.cancel();
      const h = res.headers;
      assert.equal(h.get("x-content-type-options"), "nosniff", name);
      assert.equal(h.get("referrer-policy"), "no-referrer", name);
      assert.equal(h.get("x-frame-options"), "DENY", name);
      assert.equal(h.get("content-security-policy"), API_CSP, name);
      assert.equal(h.get("strict-transport-security"), null, `${name}: http`);
      // Headers for browsers long gone are not sent.
      for (
        const legacy of [
          "x-xss-protection",
          "x-download-options",
          "x-dns-prefetch-control",
          "x-permitted-cross-domain-policies",
          "origin-agent-cluster",
        ]
      ) assert.equal(h.get(legacy), null, `${name}: ${legacy}`);
    }
    assert.equal(answers.json.status, 200);
    assert.equal(answers.problem.status, 401);
    // Per-caller answers are never stored; the open ones keep their own policy.
    for (const name of ["json", "problem", "unknown"] as const) {
      assert.equal(answers[name].headers.get("cache-control"), "no-store");
    }
    assert.equal(answers.health.headers.get("cache-control"), null);
    const docs = await t.app.request("/docs");
    await docs.body?.cancel();
    const csp = docs.headers.get("content-security-policy") ?? "";
    assert.notEqual(csp, API_CSP, "the page has its own policy");
    assert.match(csp, /script-src 'self' 'sha256-/);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
    const jwks = await t.app.request("/.well-known/jwks.json");
    await jwks.body?.cancel();
    assert.equal(jwks.headers.get("cache-control"), "public, max-age=300");
  } finally {
    await t.close();
  }
});

Deno.test("security headers: HSTS over TLS, or from a trusted proxy's X-Forwarded-Proto only", async () => {
  const t = await testApp({ security: { trustedProxies: ["10.0.0.0/8"] } });
  try {
    const hsts = async (
      url: string,
      peer: string | null,
      headers: Record<string, string> = {},
    ) => {
      const res = await t.app.request(
        url,
        { headers },
        peer ? conn(peer) : undefined,
      );
      await res.body?.cancel();
      return res.headers.get("strict-transport-security");
    };
    assert.equal(await hsts("https://tms.example/health/live", null), HSTS);
    assert.equal(await hsts("http://tms.example/health/live", null), null);
    const forwarded = { "x-forwarded-proto": "https" };
    assert.equal(
      await hsts("http://tms/health/live", "10.1.2.3", forwarded),
      HSTS,
    );
    // Anyone else saying so is not believed.
    assert.equal(
      await hsts("http://tms/health/live", "203.0.113.9", forwarded),
      null,
    );
    assert.equal(
      await hsts("http://tms/health/live", "10.1.2.3", {
        "x-forwarded-proto": "http",
      }),
      null,
    );
  } finally {
    await t.close();
  }
});

Deno.test("cors: an allowed origin's preflight is 204 before authentication; others get no CORS header", async () => {
  const t = await testApp({ security: { corsOrigins: [ORIGIN] } });
  try {
    const preflight = (origin: string) =>
      t.app.request("/api/v2/invoices", {
        method: "OPTIONS",
        headers: {
          origin,
          authorization: "",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
    const ok = await preflight(ORIGIN);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), ORIGIN);
    const methods = ok.headers.get("access-control-allow-methods") ?? "";
    for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      assert.ok(methods.split(",").includes(m), m);
    }
    assert.deepEqual(
      ok.headers.get("access-control-allow-headers")?.split(","),
      [...CORS_ALLOW_HEADERS],
    );
    assert.ok(Number(ok.headers.get("access-control-max-age")) > 0);
    assert.equal(ok.headers.get("x-content-type-options"), "nosniff");

    const evil = await preflight("https://evil.example");
    await evil.body?.cancel();
    // Not answered as a preflight, and never asked for a token.
    assert.equal(evil.status, 404);
    for (const [name] of evil.headers) {
      assert.ok(!name.startsWith("access-control-"), name);
    }

    // The real request of an allowed origin: its headers readable by the page.
    const real = await t.app.request("/api/v2/users/me", {
      headers: { origin: ORIGIN },
    });
    await real.body?.cancel();
    assert.equal(real.status, 200);
    assert.equal(real.headers.get("access-control-allow-origin"), ORIGIN);
    assert.deepEqual(
      real.headers.get("access-control-expose-headers")?.split(","),
      [...CORS_EXPOSE_HEADERS],
    );
    assert.match(real.headers.get("vary") ?? "", /Origin/);
    // An error answer carries them too (the page can read the problem).
    const denied = await t.app.request("/api/v2/users/me", {
      headers: { origin: ORIGIN, authorization: "Bearer nope" },
    });
    await denied.body?.cancel();
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get("access-control-allow-origin"), ORIGIN);

    const other = await t.app.request("/api/v2/users/me", {
      headers: { origin: "https://evil.example" },
    });
    await other.body?.cancel();
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    assert.equal(other.headers.get("access-control-expose-headers"), null);
    assert.match(other.headers.get("vary") ?? "", /Origin/);
  } finally {
    await t.close();
  }
});

Deno.test("cors: unset means no CORS at all", async () => {
  const t = await testApp();
  try {
    const res = await t.app.request("/api/v2/users/me", {
      method: "OPTIONS",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "GET",
        authorization: "",
      },
    });
    await res.body?.cancel();
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  } finally {
    await t.close();
  }
});

Deno.test("cors: TMS_CORS_ORIGINS takes exact origins only", () => {
  assert.deepEqual(parseCorsOrigins(undefined), []);
  assert.deepEqual(
    parseCorsOrigins(" https://a.no, http://localhost:5173 "),
    ["https://a.no", "http://localhost:5173"],
  );
  for (
    const bad of [
      "*",
      "https://a.no/",
      "a.no",
      "https://a.no/app",
      "ftp://a.no",
    ]
  ) {
    assert.throws(() => parseCorsOrigins(bad), RangeError, bad);
  }
});
