import assert from "node:assert/strict";
import { userDecider } from "../../../actors/user/decider.ts";
import { userEvent } from "../../../actors/user/events.ts";
import type { UserEvent } from "../../../actors/user/events.ts";
import {
  LockoutRules,
  UserErrorCode as Code,
} from "../../../actors/user/types.ts";
import type { UserCommand } from "../../../actors/user/types.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(userDecider);
const AT = "2026-03-03T08:00:00.000Z";
const sealed = (text: string) => ({
  keyId: "user-u1:k1",
  ciphertext: btoa(text),
  iv: "aXY=",
});
const register: UserCommand = {
  type: "register",
  id: "u1",
  bedriftId: "b1",
  role: "HOVEDBRUKER",
  email: sealed("kari@example.no"),
  emailIndex: "idx-kari",
  passwordHash: sealed("$argon2id$..."),
  at: AT,
};
const registered = userEvent("user.registered", {
  id: "u1",
  bedriftId: "b1",
  role: "HOVEDBRUKER",
  email: sealed("kari@example.no"),
  emailIndex: "idx-kari",
  passwordHash: sealed("$argon2id$..."),
  employeeId: null,
  at: AT,
});
const at = (minutes: number) =>
  new Date(Date.parse(AT) + minutes * 60_000).toISOString();
const failed = (minutes: number, failures: number) =>
  userEvent("user.login_failed", { failures, at: at(minutes) });

Deno.test("user register: given nothing, when register, then registered", () => {
  spec.given([]).when(register).then([registered]);
  spec.given([registered]).when(register).thenThrows(
    DomainError,
    Code.ALREADY_REGISTERED,
  );
});

Deno.test("user register: an ADMIN has no bedrift, every other role one", () => {
  spec.given([]).when({ ...register, role: "ADMIN" }).thenThrows(
    DomainError,
    Code.ADMIN_HAS_NO_BEDRIFT,
  );
  spec.given([]).when({ ...register, bedriftId: null }).thenThrows(
    DomainError,
    Code.BEDRIFT_REQUIRED,
  );
  spec.given([]).when({ ...register, role: "ROOT" as never }).thenThrows(
    DomainError,
    Code.INVALID_ROLE,
  );
  spec.given([]).when({ ...register, role: "ADMIN", bedriftId: null })
    .thenState((state) => assert.equal(state?.bedriftId, null));
});

Deno.test("user update: only what changed; a bedrift user never becomes ADMIN", () => {
  spec.given([registered]).when({ type: "update", role: "HOVEDBRUKER", at: AT })
    .then([]);
  spec.given([registered]).when({ type: "update", role: "OKONOMI", at: AT })
    .then([userEvent("user.updated", { role: "OKONOMI", at: AT })]);
  spec.given([registered]).when({ type: "update", role: "ADMIN", at: AT })
    .thenThrows(DomainError, Code.ADMIN_HAS_NO_BEDRIFT);
  spec.given([]).when({ type: "update", role: "OKONOMI", at: AT })
    .thenThrows(NotFoundError, Code.NOT_FOUND);
});

Deno.test("user lockout: the fifth failure in 15 minutes locks for 15 minutes", () => {
  const four = [1, 2, 3, 4].map((m, i) => failed(m, i + 1));
  spec.given([registered, ...four]).when({
    type: "record_failed_login",
    at: at(5),
  }).then([
    failed(5, 5),
    userEvent("user.locked", {
      until: at(5 + LockoutRules.lockMs / 60_000),
      locks: 1,
      at: at(5),
    }),
  ]);
});

Deno.test("user lockout: failures older than the window do not count", () => {
  const old = [1, 2, 3, 4].map((m, i) => failed(m, i + 1));
  spec.given([registered, ...old]).when({
    type: "record_failed_login",
    at: at(30),
  }).then([failed(30, 1)]);
});

Deno.test("user lockout: a lock in a row lasts twice as long; a login resets the count", () => {
  const round = (start: number, failures: number): UserEvent[] =>
    Array.from({ length: failures }, (_, i) => failed(start + i, i + 1));
  const firstLock = userEvent("user.locked", {
    until: at(4 + 15),
    locks: 1,
    at: at(4),
  });
  const second = [...round(20, 4)];
  spec.given([registered, ...round(0, 5), firstLock, ...second]).when({
    type: "record_failed_login",
    at: at(24),
  }).thenState((state, events) => {
    assert.equal(events.length, 2);
    assert.equal(state?.locks, 2);
    assert.equal(state?.lockedUntil, at(24 + 30));
  });
  spec.given([
    registered,
    ...round(0, 5),
    firstLock,
    userEvent("user.logged_in", { at: at(40) }),
  ]).when({ type: "record_failed_login", at: at(41) }).thenState((state) => {
    assert.equal(state?.locks, 0);
    assert.deepEqual(state?.failures, [at(41)]);
    assert.equal(state?.lockedUntil, null);
  });
});

Deno.test("user login: a disabled user cannot log in; a stale hash is replaced on the way", () => {
  const disabled = userEvent("user.disabled", { reason: null, at: AT });
  spec.given([registered, disabled]).when({ type: "record_login", at: AT })
    .thenThrows(DomainError, Code.DISABLED);
  spec.given([registered]).when({
    type: "record_login",
    rehashed: sealed("$argon2id$new"),
    at: AT,
  }).then([
    userEvent("user.password_changed", {
      passwordHash: sealed("$argon2id$new"),
      rehash: true,
      at: AT,
    }),
    userEvent("user.logged_in", { at: AT }),
  ]);
  spec.given([registered, disabled]).when({ type: "disable", at: AT }).then(
    [],
  );
});
