import assert from "node:assert/strict";
import { userDecider } from "../../../actors/user/decider.ts";
import {
  securityEventsProjection,
  usersProjection,
} from "../../../actors/user/projection.ts";
import type { UserCommand } from "../../../actors/user/types.ts";
import { sessionDecider } from "../../../actors/session/decider.ts";
import type { SessionCommand } from "../../../actors/session/types.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const AT = "2026-03-03T08:00:00.000Z";
const at = (s: number) => new Date(Date.parse(AT) + s * 1000).toISOString();
const sealed = (text: string) => ({
  keyId: "user-u1:k1",
  ciphertext: btoa(text),
  iv: "aXY=",
});
const userCommands: UserCommand[] = [
  {
    type: "register",
    id: "u1",
    bedriftId: "b1",
    role: "OKONOMI",
    email: sealed("kari@example.no"),
    emailIndex: "idx",
    passwordHash: sealed("$argon2id$x"),
    at: AT,
  },
  ...[1, 2, 3, 4, 5].map((s): UserCommand => ({
    type: "record_failed_login",
    at: at(s),
  })),
  { type: "update", role: "HOVEDBRUKER", at: at(10) },
  { type: "disable", reason: "sluttet", at: at(20) },
];

function feedOf() {
  const feed = new Feed();
  const users = history(userDecider, userCommands).map((events) =>
    feed.commit("user", "u1", events)
  );
  const sessionCommands: SessionCommand[] = [
    { type: "issue", userId: "u1", tokenHash: "h0", at: AT },
    { type: "rotate", presentedHash: "h0", nextHash: "h1", at: at(1) },
    { type: "rotate", presentedHash: "h0", nextHash: "h1", at: at(30) },
  ];
  const sessions = history(sessionDecider, sessionCommands).map((events) =>
    feed.commit("session", "s1", events)
  );
  return [...users, ...sessions];
}

Deno.test("users projection: the row keeps the address encrypted and follows role and status", async () => {
  await projectionSpec(usersProjection).given(feedOf()).then(async (db) => {
    const rows = await db.query(
      "SELECT id, bedrift_id, role, status, email, version FROM users",
    );
    assert.deepEqual(rows, [{
      id: "u1",
      bedrift_id: "b1",
      role: "HOVEDBRUKER",
      status: "DISABLED",
      email: sealed("kari@example.no"),
      version: 8,
    }]);
    assert.equal(JSON.stringify(rows).includes("kari@example.no"), false);
  });
});

Deno.test("security events projection: failures, the lock, the disable and a replayed refresh token, once each", async () => {
  const spec = projectionSpec(securityEventsProjection);
  const SELECT =
    "SELECT kind, user_id, detail FROM security_events ORDER BY position, idx";
  await spec.given(feedOf()).then(async (db) => {
    const rows = await db.query<
      { kind: string; user_id: string; detail: unknown }
    >(SELECT);
    assert.deepEqual(rows.map((r) => r.kind), [
      "user.login_failed",
      "user.login_failed",
      "user.login_failed",
      "user.login_failed",
      "user.login_failed",
      "user.locked",
      "user.disabled",
      "session.reuse_detected",
    ]);
    assert.ok(rows.every((r) => r.user_id === "u1"));
    assert.deepEqual(
      rows.at(-1)?.detail,
      { sessionId: "s1" },
      "no token hash in the audit list",
    );
  });
  await spec.given(feedOf()).thenIdempotent(SELECT);
});
