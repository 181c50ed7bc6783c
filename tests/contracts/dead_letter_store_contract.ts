import assert from "node:assert/strict";
import {
  deadLetterId,
  DeadLetterStatuses,
  DomainError,
  isDeadLetterId,
  NotFoundError,
} from "../../runtime/core/mod.ts";
import type {
  DeadLetterInput,
  DeadLetterStore,
} from "../../runtime/core/mod.ts";

/** A dead-letter store under test and how to tidy up after it. */
export interface DeadLetterStoreFixture {
  store: DeadLetterStore;
  cleanup?: () => Promise<void>;
}

/** A command dead letter of `counter/<id>` with command id `commandId`. */
export function commandInput(
  id: string,
  commandId: string,
  extra: Partial<DeadLetterInput> = {},
): DeadLetterInput {
  return {
    kind: "command",
    reason: "Event log failure: Injected append fault",
    attempts: 4,
    node: "node-a",
    command: {
      type: "counter",
      id,
      command: { type: "add", n: 2, navn: "Kari Nordmann" },
      commandId,
      expectedVersion: 3,
      meta: { correlationId: "req-1" },
      appendedFrom: 3,
    },
    ...extra,
  } as DeadLetterInput;
}

/** A projection dead letter of `name` halted at `position`. */
export function projectionInput(
  name: string,
  position: number,
  extra: Partial<DeadLetterInput> = {},
): DeadLetterInput {
  return {
    kind: "projection",
    reason: `Position ${position}: unknown event version 99`,
    attempts: 1,
    node: "node-a",
    projection: {
      name,
      position,
      streamType: "bedrift",
      streamId: "b1",
      version: 2,
      eventTypes: ["bedrift.updated"],
    },
    ...extra,
  } as DeadLetterInput;
}

/** An ISO time `seconds` after a fixed start. */
function at(seconds: number): string {
  return new Date(Date.UTC(2026, 0, 1, 8, 0, seconds)).toISOString();
}

/** Runs the same `DeadLetterStore` cases against one backend. */
export function deadLetterStoreContract(
  name: string,
  open: () => Promise<DeadLetterStoreFixture>,
): void {
  const test = (title: string, fn: (store: DeadLetterStore) => Promise<void>) =>
    Deno.test(`dead-letter store [${name}]: ${title}`, async () => {
      const { store, cleanup } = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
        await cleanup?.();
      }
    });

  test("a recorded command is kept whole and read back by its id", async (store) => {
    // Given a command that failed until its actor parked
    const input = commandInput("a", "cmd-1", { at: at(1) });
    // When it is recorded
    const letter = await store.record(input);
    // Then it is open, with everything needed to ask again
    assert.equal(letter.id, await deadLetterId(input));
    assert.ok(isDeadLetterId(letter.id));
    assert.match(letter.id, /^cmd-/);
    const got = await store.get(letter.id);
    assert.ok(got);
    assert.equal(got.status, DeadLetterStatuses.open);
    assert.equal(got.kind, "command");
    assert.equal(got.recordedAt, at(1));
    assert.equal(got.reason, "Event log failure: Injected append fault");
    assert.equal(got.attempts, 4);
    assert.equal(got.failures, 1);
    assert.equal(got.retries, 0);
    assert.equal(got.node, "node-a");
    assert.deepEqual(got.command, {
      type: "counter",
      id: "a",
      command: { type: "add", n: 2, navn: "Kari Nordmann" },
      commandId: "cmd-1",
      expectedVersion: 3,
      meta: { correlationId: "req-1" },
      appendedFrom: 3,
    });
    assert.equal(got.projection, null);
    assert.deepEqual(got.history.map((h) => h.action), ["recorded"]);
    assert.equal(await store.get("cmd-0000000000000000"), null);
  });

  test("the same message recorded again is one record that counts its failures", async (store) => {
    const first = await store.record(commandInput("a", "cmd-1", { at: at(1) }));
    const again = await store.record(
      commandInput("a", "cmd-1", {
        at: at(5),
        reason: "Actor counter/a failed 4 times: read fault",
        attempts: 3,
      }),
    );
    assert.equal(again.id, first.id);
    const got = (await store.get(first.id))!;
    assert.equal(got.failures, 2);
    assert.equal(got.attempts, 3);
    assert.equal(got.reason, "Actor counter/a failed 4 times: read fault");
    assert.equal(got.recordedAt, at(1), "first recording stays the order key");
    assert.equal(got.failedAt, at(5));
    const other = await store.record(commandInput("a", "cmd-2"));
    assert.notEqual(other.id, first.id, "another command id, another letter");
    assert.equal((await store.all()).length, 2);
  });

  test("concurrent records of one message lose no update", async (store) => {
    await Promise.all(
      Array.from(
        { length: 8 },
        () => store.record(projectionInput("bedrifter", 7)),
      ),
    );
    const [letter] = await store.all();
    assert.equal(letter.failures, 8);
    assert.match(letter.id, /^prj-/);
  });

  test("list: newest first, filtered by kind and status, in stable keyset pages", async (store) => {
    // Given five letters recorded one second apart
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const input = i % 2 === 0
        ? commandInput(`a${i}`, `c${i}`, { at: at(10 + i) })
        : projectionInput("invoices", 100 + i, { at: at(10 + i) });
      ids.push((await store.record(input)).id);
    }
    const newestFirst = [...ids].reverse();
    // When they are listed two at a time
    const first = await store.list({ limit: 2 });
    assert.deepEqual(first.items.map((l) => l.id), newestFirst.slice(0, 2));
    assert.ok(first.nextCursor);
    // and a newer letter arrives between the pages
    await store.record(commandInput("late", "late", { at: at(30) }));
    const second = await store.list({ limit: 2, cursor: first.nextCursor });
    const third = await store.list({ limit: 2, cursor: second.nextCursor! });
    // Then the pages go on where they stopped
    assert.deepEqual(
      [...second.items, ...third.items].map((l) => l.id),
      newestFirst.slice(2),
    );
    assert.equal(third.nextCursor, null);
    const projections = await store.list({ kind: "projection" });
    assert.deepEqual(
      projections.items.map((l) => l.id),
      [ids[3], ids[1]],
    );
    assert.equal(projections.nextCursor, null);
    await store.resolve(ids[0], "node-a", "passed");
    const resolved = await store.list({ status: "resolved" });
    assert.deepEqual(resolved.items.map((l) => l.id), [ids[0]]);
    assert.equal(
      (await store.list({ status: "open", kind: "command" })).items.length,
      3,
    );
    await assert.rejects(store.list({ limit: 0 }), RangeError);
    await assert.rejects(store.list({ limit: 501 }), RangeError);
    await assert.rejects(store.list({ cursor: "not a cursor" }), RangeError);
  });

  test("retry: requested once, claimed by exactly one node, failed again reopens it", async (store) => {
    const { id } = await store.record(commandInput("a", "cmd-1"));
    // Given an operator's request
    const requested = await store.requestRetry(id, { by: "ops" });
    assert.equal(requested.status, DeadLetterStatuses.retryRequested);
    const twice = await store.requestRetry(id, { by: "ops" });
    assert.equal(twice.status, DeadLetterStatuses.retryRequested);
    assert.equal(
      twice.history.filter((h) => h.action === "retry_requested").length,
      1,
      "a second request changes nothing",
    );
    // When five nodes try to claim it at once
    const claims = await Promise.all(
      ["n1", "n2", "n3", "n4", "n5"].map((node) => store.claimRetry(id, node)),
    );
    // Then one performs it
    const winners = claims.filter((c) => c !== null);
    assert.equal(winners.length, 1);
    const claimed = winners[0]!;
    assert.equal(claimed.status, DeadLetterStatuses.retrying);
    assert.equal(claimed.retries, 1);
    assert.ok(claimed.claim);
    assert.equal(await store.claimRetry(id, "n6"), null);
    assert.equal(
      (await store.requestRetry(id)).status,
      DeadLetterStatuses.retrying,
      "a request while it runs leaves it running",
    );
    // And when it fails again the letter is open with the new reason
    const failed = await store.finishRetry(
      id,
      claimed.claim.node,
      new Error("Actor counter/a is parked: outage"),
    );
    assert.equal(failed.status, DeadLetterStatuses.open);
    assert.equal(failed.reason, "Actor counter/a is parked: outage");
    assert.equal(failed.claim, null);
    assert.deepEqual(failed.history.map((h) => h.action), [
      "recorded",
      "retry_requested",
      "retry_started",
      "retry_failed",
    ]);
    assert.equal(await store.claimRetry(id, "n1"), null, "not requested");
  });

  test("retry: resolved or rejected closes the letter for good", async (store) => {
    const a = await store.record(commandInput("a", "cmd-1"));
    await store.requestRetry(a.id);
    await store.claimRetry(a.id, "n1");
    const resolved = await store.finishRetry(a.id, "n1", {
      status: "resolved",
      detail: "committed at version 4",
    });
    assert.equal(resolved.status, DeadLetterStatuses.resolved);
    assert.equal(resolved.resolution, "committed at version 4");
    await assert.rejects(
      store.requestRetry(a.id),
      (e) => e instanceof DomainError && e.code === "dead_letter.closed",
    );
    const late = await store.finishRetry(a.id, "n2", new Error("late"));
    assert.equal(late.status, DeadLetterStatuses.resolved, "kept closed");
    const b = await store.record(commandInput("b", "cmd-2"));
    await store.requestRetry(b.id);
    await store.claimRetry(b.id, "n1");
    const rejected = await store.finishRetry(b.id, "n1", {
      status: "rejected",
      detail: "counter.negative: No negatives",
    });
    assert.equal(rejected.status, DeadLetterStatuses.rejected);
    await assert.rejects(
      store.requestRetry("cmd-ffffffffffffffff"),
      (e) => e instanceof NotFoundError && e.code === "dead_letter.not_found",
    );
  });

  test("a claim whose node went away is taken over", async (store) => {
    const { id } = await store.record(projectionInput("bedrifter", 9));
    await store.requestRetry(id);
    assert.ok(await store.claimRetry(id, "gone"));
    assert.equal(
      await store.claimRetry(id, "n2", { staleAfterMs: 60_000 }),
      null,
    );
    await new Promise((r) => setTimeout(r, 5));
    const taken = await store.claimRetry(id, "n2", { staleAfterMs: 1 });
    assert.equal(taken?.claim?.node, "n2");
    assert.equal(taken?.retries, 2);
  });

  test("a failure recorded while a retry runs leaves the outcome to the retry; a closed letter that fails again reopens", async (store) => {
    const { id } = await store.record(commandInput("a", "cmd-1"));
    await store.requestRetry(id);
    await store.claimRetry(id, "n1");
    const during = await store.record(commandInput("a", "cmd-1"));
    assert.equal(during.status, DeadLetterStatuses.retrying);
    assert.equal(during.failures, 2);
    await store.finishRetry(id, "n1", { status: "resolved", detail: "ok" });
    const reopened = await store.record(commandInput("a", "cmd-1"));
    assert.equal(reopened.status, DeadLetterStatuses.open);
    assert.equal(reopened.resolution, null);
    assert.equal(reopened.failures, 3);
  });

  test("purge deletes closed letters older than the cutoff, nothing else", async (store) => {
    const open = await store.record(commandInput("a", "c1"));
    const closed = await store.record(commandInput("b", "c2"));
    await store.resolve(closed.id, "n1", "passed");
    assert.equal(await store.purge(new Date(Date.now() - 60_000)), 0);
    assert.equal(await store.purge(new Date(Date.now() + 1000)), 1);
    assert.equal(await store.get(closed.id), null);
    assert.ok(await store.get(open.id));
    // A purged message that fails again starts a new record.
    const again = await store.record(commandInput("b", "c2"));
    assert.equal(again.failures, 1);
  });

  test("the change mark moves with every write and not with reads", async (store) => {
    const empty = await store.changeMark();
    const { id } = await store.record(projectionInput("p", 1));
    const afterRecord = await store.changeMark();
    assert.notEqual(afterRecord, empty);
    await store.get(id);
    await store.list();
    await store.all();
    assert.equal(await store.changeMark(), afterRecord);
    await store.requestRetry(id);
    assert.notEqual(await store.changeMark(), afterRecord);
  });

  test("a command too large to keep loses its payload, not its record, and cannot be retried", async (store) => {
    const input = commandInput("big", "c-big");
    if (input.kind !== "command") throw new Error("unreachable");
    input.command.command = { type: "add", text: "ø".repeat(100_000) };
    const letter = await store.record(input);
    const got = (await store.get(letter.id))!;
    assert.equal(got.command?.command, null);
    assert.equal(got.command?.truncated, true);
    assert.equal(got.command?.commandId, "c-big");
    await assert.rejects(
      store.requestRetry(letter.id),
      (e) =>
        e instanceof DomainError && e.code === "dead_letter.not_retryable" &&
        e.status === 422,
    );
  });
}
