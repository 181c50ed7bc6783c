/**
 * Login, tokens, refresh rotation, lockout and accounts through the edge.
 */
import assert from "node:assert/strict";
import { registerActors } from "../../actors/mod.ts";
import {
  BOOTSTRAP_ADMIN_ID,
  bootstrapAdmin,
  LockoutRules,
  USER,
} from "../../actors/user/mod.ts";
import { INVOICE } from "../../actors/invoice/mod.ts";
import { createApp } from "../../http/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import {
  Argon2idHasher,
  MemoryTokenKeyStore,
  TokenService,
} from "../../runtime/auth/mod.ts";
import { NotFoundError } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { MemoryFileStore, MemoryKeyStore } from "../../runtime/storage/mod.ts";
import { adminTokenOf } from "../support/app.ts";
import {
  bearer,
  createUser,
  TEST_ADMIN,
  TEST_PASSWORD,
  TEST_TOKEN_OPTIONS,
  testAuth,
} from "../support/auth.ts";
import { CountingHasher } from "../support/counting_hasher.ts";
import { bedriftWithSettings } from "../support/domain_app.ts";

async function edge(options: { metricsToken?: string } = {}) {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const keys = new MemoryKeyStore();
  const hasher = new CountingHasher(new Argon2idHasher());
  const identity = await testAuth(keys, { hasher });
  identity.auth.metricsToken = options.metricsToken;
  const app = createApp({
    system,
    keys,
    files: new MemoryFileStore(),
    auth: identity.auth,
  });
  const admin = await adminTokenOf(system, identity);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(path, {
      method,
      headers: body === undefined
        ? headers
        : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text && (res.headers.get("content-type") ?? "").includes("json")
        ? JSON.parse(text)
        : text,
    };
  };
  const loginAs = (email: string, password = TEST_PASSWORD) =>
    call("POST", "/api/v1/auth/login", { email, password });
  const A = await bedriftWithSettings(system, "bedrift-a", "923609016");
  const B = await bedriftWithSettings(system, "bedrift-b", "915933149");
  return {
    app,
    system,
    keys,
    identity,
    hasher,
    admin,
    call,
    loginAs,
    A,
    B,
    close: () => system.shutdown(),
  };
}

Deno.test("login: a token pair, never cached; the token opens the API", async () => {
  const e = await edge();
  try {
    const res = await e.loginAs(TEST_ADMIN.email, TEST_ADMIN.password);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.body.tokenType, "Bearer");
    assert.equal(res.body.expiresIn, 900);
    assert.match(res.body.refreshToken, /^[0-9a-f-]{36}\.[\w-]{43}$/);
    const me = await e.call(
      "GET",
      "/api/v1/users/me",
      undefined,
      bearer(res.body.accessToken),
    );
    assert.equal(me.status, 200);
    assert.equal(me.body.email, TEST_ADMIN.email);
    assert.equal(me.body.role, "ADMIN");
    assert.equal(me.body.passwordHash, undefined);
    assert.equal(JSON.stringify(me.body).includes("argon2"), false);
  } finally {
    await e.close();
  }
});

Deno.test("login: a wrong password and an unknown address answer the same 401 after exactly one verification", async () => {
  const e = await edge();
  try {
    e.hasher.reset();
    const wrong = await e.loginAs(TEST_ADMIN.email, "not the password at all");
    assert.equal(e.hasher.verifications, 1);
    assert.equal(e.hasher.dummyVerifications, 0);
    e.hasher.reset();
    const unknown = await e.loginAs(
      "nobody@tms.test",
      "not the password at all",
    );
    assert.equal(e.hasher.verifications, 1);
    assert.equal(e.hasher.dummyVerifications, 1);
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
    }
    const strip = (b: Record<string, unknown>) => {
      const { requestId: _, ...rest } = b;
      return rest;
    };
    assert.deepEqual(strip(wrong.body), strip(unknown.body));
  } finally {
    await e.close();
  }
});

Deno.test("tokens: tampered, alg none, expired, foreign audience or issuer, unknown key and no token are 401", async () => {
  const e = await edge();
  try {
    const good = e.admin;
    const [h, p, s] = good.split(".");
    const flip = s[0] === "A" ? "B" : "A";
    const b64 = (v: unknown) =>
      btoa(JSON.stringify(v)).replaceAll("+", "-").replaceAll("/", "_")
        .replace(/=+$/, "");
    const payload = JSON.parse(
      atob(p.replaceAll("-", "+").replaceAll("_", "/")),
    );
    const past = await TokenService.open(e.identity.store, {
      ...TEST_TOKEN_OPTIONS,
      now: () => Date.now() - 30 * 60_000,
    });
    const otherAudience = await TokenService.open(e.identity.store, {
      ...TEST_TOKEN_OPTIONS,
      audience: "someone-else",
    });
    const otherIssuer = await TokenService.open(e.identity.store, {
      ...TEST_TOKEN_OPTIONS,
      issuer: "evil",
    });
    const otherKeys = await TokenService.open(
      new MemoryTokenKeyStore(),
      TEST_TOKEN_OPTIONS,
    );
    const claims = { sub: BOOTSTRAP_ADMIN_ID, role: "ADMIN", bedrift: null };
    const bad: Record<string, string> = {
      tampered: `${h}.${p}.${flip}${s.slice(1)}`,
      "alg none": `${b64({ alg: "none", typ: "at+jwt" })}.${p}.`,
      "role changed": `${h}.${
        b64({ ...payload, role: "ADMIN", bedrift: "x" })
      }.${s}`,
      expired: (await past.sign(claims)).token,
      audience: (await otherAudience.sign(claims)).token,
      issuer: (await otherIssuer.sign(claims)).token,
      "unknown kid": (await otherKeys.sign(claims)).token,
      garbage: "not-a-jwt",
    };
    for (const [name, token] of Object.entries(bad)) {
      const res = await e.call(
        "GET",
        "/api/v1/users/me",
        undefined,
        bearer(token),
      );
      assert.equal(res.status, 401, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="tms"');
      assert.match(res.body.code, /^auth\./);
    }
    const none = await e.call("GET", "/api/v1/bedrifter");
    assert.equal(none.status, 401);
    assert.equal(none.body.code, "auth.token_missing");
    const basic = await e.call("GET", "/api/v1/bedrifter", undefined, {
      authorization: "Basic YWRtaW46YWRtaW4=",
    });
    assert.equal(basic.status, 401);
    // Open without a token: health, JWKS; not metrics.
    assert.equal((await e.call("GET", "/health/live")).status, 200);
    const jwks = await e.call("GET", "/.well-known/jwks.json");
    assert.equal(jwks.status, 200);
    assert.equal(jwks.body.keys[0].alg, "EdDSA");
    assert.equal(jwks.body.keys[0].d, undefined, "never the private key");
    assert.equal((await e.call("GET", "/metrics")).status, 401);
  } finally {
    await e.close();
  }
});

Deno.test("refresh: rotates; a lost response's retry gets the same pair; a replayed token revokes the family", async () => {
  const e = await edge();
  try {
    const first = (await e.loginAs(TEST_ADMIN.email, TEST_ADMIN.password)).body;
    const refresh = (token: string) =>
      e.call("POST", "/api/v1/auth/refresh", { refreshToken: token });
    const second = await refresh(first.refreshToken);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get("cache-control"), "no-store");
    assert.notEqual(second.body.refreshToken, first.refreshToken);
    // The same refresh again within seconds: the response was lost.
    const retry = await refresh(first.refreshToken);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body, second.body);
    const third = await refresh(second.body.refreshToken);
    assert.equal(third.status, 200);
    // A token used two rotations ago is a replay: the family is revoked.
    const replay = await refresh(first.refreshToken);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, "auth.refresh_token_reused");
    assert.equal((await refresh(third.body.refreshToken)).status, 401);
    const events = await e.call(
      "GET",
      "/api/v1/audit/security",
      undefined,
      bearer(e.admin),
    );
    // No read side in this edge: the audit list answers 503, not 500.
    assert.equal(events.status, 503);
    // Logout revokes a fresh family.
    const other = (await e.loginAs(TEST_ADMIN.email, TEST_ADMIN.password)).body;
    const out = await e.call("POST", "/api/v1/auth/logout", {
      refreshToken: other.refreshToken,
    }, bearer(other.accessToken));
    assert.equal(out.status, 204);
    assert.equal((await refresh(other.refreshToken)).status, 401);
    assert.equal((await refresh("garbage")).status, 401);
  } finally {
    await e.close();
  }
});

Deno.test("lockout: the fifth failure locks the account, also for the right password, and an ADMIN sees the events", async () => {
  const e = await edge();
  try {
    await createUser(e.system, e.identity.users, {
      email: "ok@a.no",
      role: "OKONOMI",
      bedriftId: e.A,
    });
    for (let i = 1; i <= LockoutRules.failures; i++) {
      const res = await e.loginAs("ok@a.no", "wrong password number");
      assert.equal(res.status, 401, `failure ${i}`);
    }
    const locked = await e.loginAs("ok@a.no");
    assert.equal(locked.status, 429);
    const retryAfter = Number(locked.headers.get("retry-after"));
    assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `${retryAfter}`);
    // Another account is not affected.
    assert.equal(
      (await e.loginAs(TEST_ADMIN.email, TEST_ADMIN.password)).status,
      200,
    );
  } finally {
    await e.close();
  }
});

Deno.test("users: a HOVEDBRUKER manages its own bedrift's users, never an ADMIN, never another bedrift's", async () => {
  const e = await edge();
  try {
    await createUser(e.system, e.identity.users, {
      email: "hb@a.no",
      role: "HOVEDBRUKER",
      bedriftId: e.A,
    });
    const hb = bearer((await e.loginAs("hb@a.no")).body.accessToken);
    const create = (body: Record<string, unknown>) =>
      e.call("POST", "/api/v1/users", {
        password: TEST_PASSWORD,
        role: "OKONOMI",
        ...body,
      }, hb);
    const ok = await create({ email: "Ny.Bruker@A.no", bedriftId: e.A });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.email, "ny.bruker@a.no", "normalized");
    assert.equal(ok.headers.get("location"), `/api/v1/users/${ok.body.id}`);
    assert.equal(
      (await create({ email: "x@a.no", role: "ADMIN", bedriftId: null }))
        .status,
      403,
    );
    assert.equal(
      (await create({ email: "y@b.no", bedriftId: e.B })).status,
      422,
    );
    assert.equal(
      (await create({ email: "ny.bruker@a.no", bedriftId: e.A })).status,
      409,
    );
    const weak = await create({
      email: "z@a.no",
      bedriftId: e.A,
      password: "passord12345",
    });
    assert.equal(weak.status, 422);
    assert.equal(weak.body.code, "password.too_common");
    const short = await create({
      email: "z@a.no",
      bedriftId: e.A,
      password: "kort",
    });
    assert.equal(short.body.code, "password.too_short");
    // No self-promotion, no ADMIN grants.
    const me = (await e.call("GET", "/api/v1/users/me", undefined, hb)).body;
    assert.equal(
      (await e.call("PATCH", `/api/v1/users/${me.id}`, { role: "OKONOMI" }, hb))
        .status,
      403,
    );
    assert.equal(
      (await e.call(
        "PATCH",
        `/api/v1/users/${ok.body.id}`,
        { role: "ADMIN" },
        hb,
      )).status,
      403,
    );
    // Mass assignment: fields a body may not carry are refused.
    const forged = await e.call(
      "PATCH",
      `/api/v1/users/${ok.body.id}`,
      { bedriftId: e.B },
      hb,
    );
    assert.equal(forged.status, 422);
    // The bootstrap ADMIN is out of reach for a bedrift's user.
    assert.equal(
      (await e.call(
        "GET",
        `/api/v1/users/${BOOTSTRAP_ADMIN_ID}`,
        undefined,
        hb,
      )).status,
      404,
    );
  } finally {
    await e.close();
  }
});

Deno.test("users: disabling stops login and refresh at once; a password change needs the current one", async () => {
  const e = await edge();
  try {
    const id = await createUser(e.system, e.identity.users, {
      email: "tk@a.no",
      role: "TRAFIKKLARER",
      bedriftId: e.A,
    });
    const pair = (await e.loginAs("tk@a.no")).body;
    const own = bearer(pair.accessToken);
    const wrong = await e.call("POST", "/api/v1/users/me/password", {
      currentPassword: "not my password",
      newPassword: "et-helt-nytt-passord-2026",
    }, own);
    assert.equal(wrong.status, 422);
    const changed = await e.call("POST", "/api/v1/users/me/password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "et-helt-nytt-passord-2026",
    }, own);
    assert.equal(changed.status, 204);
    assert.equal((await e.loginAs("tk@a.no")).status, 401);
    assert.equal(
      (await e.loginAs("tk@a.no", "et-helt-nytt-passord-2026")).status,
      200,
    );
    const disabled = await e.call(
      "POST",
      `/api/v1/users/${id}/disable`,
      { reason: "sluttet" },
      bearer(e.admin),
    );
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.status, "DISABLED");
    assert.equal(
      (await e.loginAs("tk@a.no", "et-helt-nytt-passord-2026")).status,
      401,
    );
    const refreshed = await e.call("POST", "/api/v1/auth/refresh", {
      refreshToken: pair.refreshToken,
    });
    assert.equal(refreshed.status, 401);
  } finally {
    await e.close();
  }
});

Deno.test("tenancy in the actor: a forged principal of bedrift B cannot touch bedrift A's invoice", async () => {
  const e = await edge();
  try {
    const draft = await e.system.ask<never, { bedriftId: string }>(
      INVOICE,
      "inv-a",
      {
        type: "draft",
        bedriftId: e.A,
        kunde: { navn: "Kari" },
        at: new Date().toISOString(),
      },
    );
    assert.equal(draft.state.bedriftId, e.A);
    const forged = { subject: "u-b", role: "HOVEDBRUKER", tenant: e.B };
    await assert.rejects(
      e.system.ask(INVOICE, "inv-a", {
        type: "cancel",
        at: new Date().toISOString(),
      }, { principal: forged }),
      NotFoundError,
    );
    assert.equal(
      (await e.system.read(INVOICE, "inv-a", { principal: forged })).version,
      0,
    );
    assert.equal((await e.system.read(INVOICE, "inv-a")).version, 1);
    await assert.rejects(
      e.system.ask(INVOICE, "inv-b", {
        type: "draft",
        bedriftId: e.A,
        kunde: { navn: "Kari" },
        at: new Date().toISOString(),
      }, { principal: forged }),
      NotFoundError,
    );
  } finally {
    await e.close();
  }
});

Deno.test("metrics: an ADMIN or the scrape token, nobody else", async () => {
  const e = await edge({ metricsToken: "scrape-secret-of-this-test" });
  try {
    await createUser(e.system, e.identity.users, {
      email: "hb@a.no",
      role: "HOVEDBRUKER",
      bedriftId: e.A,
    });
    const hb = bearer((await e.loginAs("hb@a.no")).body.accessToken);
    assert.equal(
      (await e.call("GET", "/metrics", undefined, bearer(e.admin))).status,
      200,
    );
    assert.equal(
      (await e.call(
        "GET",
        "/metrics",
        undefined,
        bearer("scrape-secret-of-this-test"),
      ))
        .status,
      200,
    );
    assert.equal((await e.call("GET", "/metrics", undefined, hb)).status, 403);
    assert.equal(
      (await e.call(
        "GET",
        "/metrics",
        undefined,
        bearer("scrape-secret-of-this-tesx"),
      ))
        .status,
      401,
    );
  } finally {
    await e.close();
  }
});

Deno.test("bootstrap: without a password it writes a generated one, owner-only; with users it does nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-bootstrap-" });
  const system = registerActors(new ActorSystem({ log: new MemoryEventLog() }));
  try {
    const { users } = await testAuth(new MemoryKeyStore());
    const file = `${dir}/initial-admin-password`;
    const first = await bootstrapAdmin(system, users, {
      passwordFile: file,
      at: new Date().toISOString(),
    });
    assert.equal(first.created, true);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const password = (await Deno.readTextFile(file)).trim();
    assert.ok(password.length >= 24);
    const again = await bootstrapAdmin(system, users, {
      passwordFile: file,
      at: new Date().toISOString(),
    });
    assert.equal(again.created, false);
    assert.equal((await Deno.readTextFile(file)).trim(), password);
    assert.equal((await system.read(USER, BOOTSTRAP_ADMIN_ID)).version, 1);
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
