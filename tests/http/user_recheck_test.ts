/**
 * An access token is as good as its user: the edge reads the user again
 * every `userRecheckSeconds` (30 by default), so a disabled user's token, or
 * one issued before a role change, stops within that — not at its expiry 15
 * minutes later. The clock is the edge's, given; nothing sleeps.
 */
import assert from "node:assert/strict";
import { testApp } from "../support/app.ts";
import { bearer, createUser, TEST_PASSWORD } from "../support/auth.ts";
import { bedriftWithSettings } from "../support/domain_app.ts";

async function setup(
  auth: { userRecheckSeconds?: number; now?: () => number },
) {
  const t = await testApp({ auth });
  const bedrift = await bedriftWithSettings(t.system, "b1", "923609016");
  const id = await createUser(t.system, t.identity.users, {
    email: "tk@a.no",
    role: "OKONOMI",
    bedriftId: bedrift,
  });
  const login = await t.json("POST", "/api/v2/auth/login", {
    email: "tk@a.no",
    password: TEST_PASSWORD,
  }, { authorization: "" });
  const pair = await login.json();
  const me = async (token = pair.accessToken as string) => {
    const res = await t.app.request("/api/v2/users/me", {
      headers: bearer(token),
    });
    const body = await res.json();
    return { status: res.status, code: body.code as string | undefined };
  };
  return { t, id, pair, me };
}

Deno.test("user recheck: a disabled user's token stops within the recheck interval, long before it expires", async () => {
  let now = Date.now();
  const { t, id, me } = await setup({ now: () => now });
  try {
    assert.equal((await me()).status, 200);
    const disabled = await t.json("POST", `/api/v2/users/${id}/disable`, {});
    assert.equal(disabled.status, 200);
    // Within the interval the edge may still take the user as it read it…
    now += 29_000;
    assert.equal((await me()).status, 200);
    // …and no longer: 30 s, not the token's 15 minutes.
    now += 1_000;
    assert.deepEqual(await me(), { status: 401, code: "auth.user_disabled" });
    now += 60_000;
    assert.deepEqual(await me(), { status: 401, code: "auth.user_disabled" });
  } finally {
    await t.close();
  }
});

Deno.test("user recheck: with an interval of 0 a disabled user's token stops at once; an active user's goes on", async () => {
  const { t, id, me } = await setup({ userRecheckSeconds: 0 });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await me()).status, 200);
    await t.json("POST", `/api/v2/users/${id}/disable`, {});
    assert.deepEqual(await me(), { status: 401, code: "auth.user_disabled" });
    // The ADMIN who did it is still in.
    assert.equal(
      (await t.app.request("/api/v2/users/me")).status,
      200,
    );
  } finally {
    await t.close();
  }
});

Deno.test("user recheck: a token issued before a role change is refused; the refreshed one carries the new role", async () => {
  const { t, id, pair, me } = await setup({ userRecheckSeconds: 0 });
  try {
    const patched = await t.json("PATCH", `/api/v2/users/${id}`, {
      role: "TRAFIKKLARER",
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(await me(), { status: 401, code: "auth.token_stale" });
    const refreshed = await t.json("POST", "/api/v2/auth/refresh", {
      refreshToken: pair.refreshToken,
    }, { authorization: "" });
    assert.equal(refreshed.status, 200);
    const fresh = (await refreshed.json()).accessToken as string;
    assert.equal((await me(fresh)).status, 200);
    const who = await (await t.app.request("/api/v2/users/me", {
      headers: bearer(fresh),
    })).json();
    assert.equal(who.role, "TRAFIKKLARER");
  } finally {
    await t.close();
  }
});
