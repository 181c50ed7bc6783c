import assert from "node:assert/strict";
import { sessionDecider } from "../../../actors/session/decider.ts";
import { sessionEvent } from "../../../actors/session/events.ts";
import {
  SessionErrorCode as Code,
  SessionRules,
} from "../../../actors/session/types.ts";
import { DomainError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(sessionDecider);
const AT = "2026-03-03T08:00:00.000Z";
const later = (ms: number) => new Date(Date.parse(AT) + ms).toISOString();
const issued = sessionEvent("session.issued", {
  userId: "u1",
  tokenHash: "h0",
  expiresAt: later(SessionRules.lifetimeMs),
  at: AT,
});
const rotated = (n: number, ms: number) =>
  sessionEvent("session.rotated", {
    tokenHash: `h${n}`,
    generation: n,
    at: later(ms),
  });
const rotate = (presented: string, next: string, ms: number) => ({
  type: "rotate" as const,
  presentedHash: presented,
  nextHash: next,
  at: later(ms),
});

Deno.test("session issue: one family per id, expiring after its lifetime", () => {
  spec.given([]).when({ type: "issue", userId: "u1", tokenHash: "h0", at: AT })
    .then([issued]);
  spec.given([issued]).when({
    type: "issue",
    userId: "u1",
    tokenHash: "h9",
    at: AT,
  }).thenThrows(DomainError, Code.ALREADY_ISSUED);
});

Deno.test("session rotate: the current token rotates to the next", () => {
  spec.given([issued]).when(rotate("h0", "h1", 1000)).then([rotated(1, 1000)]);
  spec.given([issued, rotated(1, 1000)]).when(rotate("h1", "h2", 2000)).then([
    rotated(2, 2000),
  ]);
});

Deno.test("session rotate: a retry of the previous token within the grace period changes nothing", () => {
  spec.given([issued, rotated(1, 1000)]).when(
    rotate("h0", "h1", 1000 + SessionRules.retryGraceMs),
  ).then([]);
});

Deno.test("session rotate: a used token presented again revokes the family", () => {
  const reuse = (presented: string, ms: number) => [
    sessionEvent("session.reuse_detected", {
      userId: "u1",
      tokenHash: presented,
      at: later(ms),
    }),
    sessionEvent("session.revoked", {
      reason: "reuse_detected",
      at: later(ms),
    }),
  ];
  // The previous token after the grace period.
  spec.given([issued, rotated(1, 1000)]).when(
    rotate("h0", "h1", 1001 + SessionRules.retryGraceMs),
  ).then(reuse("h0", 1001 + SessionRules.retryGraceMs));
  // Within the grace period but with another successor: not a lost response.
  spec.given([issued, rotated(1, 1000)]).when(rotate("h0", "hX", 1500)).then(
    reuse("h0", 1500),
  );
  // An older one.
  spec.given([issued, rotated(1, 1000), rotated(2, 2000), rotated(3, 3000)])
    .when(rotate("h1", "h9", 4000)).thenState((state, events) => {
      assert.equal(events[0].type, "session.reuse_detected");
      assert.equal(state?.status, "REVOKED");
    });
  // Revoked: nothing rotates any more.
  spec.given([issued, rotated(1, 1000), ...reuse("h0", 1500)]).when(
    rotate("h1", "h2", 2000),
  ).thenThrows(DomainError, Code.REVOKED);
});

Deno.test("session rotate: unknown tokens and expired sessions are refused without revoking", () => {
  spec.given([issued]).when(rotate("nope", "h1", 1000)).thenThrows(
    DomainError,
    Code.INVALID_TOKEN,
  );
  spec.given([]).when(rotate("h0", "h1", 1000)).thenThrows(
    DomainError,
    Code.INVALID_TOKEN,
  );
  spec.given([issued]).when(rotate("h0", "h1", SessionRules.lifetimeMs))
    .thenThrows(DomainError, Code.EXPIRED);
});

Deno.test("session: used hashes are bounded; revoke is idempotent", () => {
  const rotations = Array.from(
    { length: SessionRules.usedKept + 10 },
    (_, i) => rotated(i + 1, (i + 1) * 1000),
  );
  spec.given([issued, ...rotations]).when({
    type: "revoke",
    reason: "logout",
    at: later(999_999),
  }).thenState((state) => {
    assert.equal(state?.used.length, SessionRules.usedKept);
    assert.equal(state?.status, "REVOKED");
  });
  spec.given([issued, sessionEvent("session.revoked", { reason: "x", at: AT })])
    .when({ type: "revoke", reason: "logout", at: AT }).then([]);
});
