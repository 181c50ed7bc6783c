/**
 * The login flow over a real actor system, its clock given in each call
 * (`at`), never slept: a lock expires at `lockedUntil`, when the right
 * password logs in again; a new lock in a row lasts twice as long.
 */
import assert from "node:assert/strict";
import { registerActors } from "../../../actors/mod.ts";
import { login, USER } from "../../../actors/user/mod.ts";
import type { UserState } from "../../../actors/user/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import {
  UnauthorizedError,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { MemoryKeyStore } from "../../../runtime/storage/mod.ts";
import { createUser, TEST_PASSWORD, testAuth } from "../../support/auth.ts";
import { bedriftWithSettings } from "../../support/domain_app.ts";

const T0 = Date.parse("2026-12-01T08:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

Deno.test("user login: a lock expires at lockedUntil, when the right password logs in again; the next lock in a row lasts twice as long", async () => {
  const system = registerActors(
    new ActorSystem({ log: new MemoryEventLog() }),
  );
  const identity = await testAuth(new MemoryKeyStore());
  try {
    const id = await createUser(system, identity.users, {
      email: "tk@a.no",
      role: "TRAFIKKLARER",
      bedriftId: await bedriftWithSettings(system, "b1", "923609016"),
    });
    const attempt = (password: string, seconds: number) =>
      login(system, identity.users, {
        email: "tk@a.no",
        password,
        at: at(seconds),
      });
    const lockedFor = async (seconds: number) => {
      const error = await attempt(TEST_PASSWORD, seconds).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof UnavailableError, `${error}`);
      assert.equal(error.status, 429);
      return error.retryAfter;
    };
    const failFive = async (from: number) => {
      for (let i = 0; i < 5; i++) {
        await assert.rejects(
          attempt("wrong password here", from + i),
          UnauthorizedError,
        );
      }
    };
    await failFive(0);
    const user = async () => (await system.read<UserState>(USER, id)).state!;
    const lockedUntil = Date.parse((await user()).lockedUntil!);
    assert.equal(lockedUntil, T0 + 4_000 + 15 * 60_000);
    const until = (lockedUntil - T0) / 1000;
    // Locked, also for the right password, to the second.
    assert.equal(await lockedFor(10), until - 10);
    assert.equal(await lockedFor(until - 1), 1);
    // At lockedUntil the lock is over.
    const pair = await attempt(TEST_PASSWORD, until);
    assert.ok(pair.accessToken);
    assert.equal((await user()).lockedUntil, null);
    assert.equal((await user()).locks, 0);

    // Locked again, then, without a login between, once more: 15, then 30 minutes.
    await failFive(until + 60);
    const second = Date.parse((await user()).lockedUntil!);
    assert.equal(second - (T0 + (until + 64) * 1000), 15 * 60_000);
    const secondEnd = (second - T0) / 1000;
    await failFive(secondEnd);
    const third = Date.parse((await user()).lockedUntil!);
    assert.equal(third - (T0 + (secondEnd + 4) * 1000), 30 * 60_000);
    assert.equal(
      await lockedFor(secondEnd + 10),
      (third - T0) / 1000 - secondEnd - 10,
    );
    assert.ok(await attempt(TEST_PASSWORD, (third - T0) / 1000));
  } finally {
    await system.shutdown();
  }
});
