import assert from "node:assert/strict";
import { ActorSystem, commandRetrier } from "../../../runtime/actor/mod.ts";
import {
  delay,
  DomainError,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import type { Decider, DomainEvent } from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { FaultyEventLog } from "../../../runtime/log/mod.ts";
import {
  DeadLetterOffice,
  MemoryDeadLetterStore,
} from "../../../runtime/storage/mod.ts";

type Command = { type: "add"; n: number; navn?: string };
type Added = DomainEvent<"added", { n: number }>;

const counter: Decider<Command, Added, number> = {
  initialState: 0,
  decide(command) {
    if (command.n < 0) {
      throw new DomainError("counter.negative", "No negatives");
    }
    return [{ type: "added", v: 1, data: { n: command.n } }];
  },
  evolve: (total, event) => total + event.data.n,
};

const PARK_MS = 40;

/** An actor system over a faulty log, with its dead letters going to an office. */
function world(options: { recentCommands?: number } = {}) {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const store = new MemoryDeadLetterStore();
  const system = new ActorSystem({
    log,
    restartAttempts: 2,
    restartBaseDelayMs: 1,
    parkMs: PARK_MS,
    recentCommands: options.recentCommands,
    onDeadLetter: (letter) => office.record(letter),
  }).register({ type: "counter", decider: counter });
  const office = new DeadLetterOffice({
    store,
    node: "node-1",
    retriers: { command: commandRetrier(system, log) },
  });
  return {
    inner,
    log,
    store,
    office,
    system,
    /** The operator's retry as the node performs it: request, one loop round, wait. */
    async retry(id: string) {
      await store.requestRetry(id, { by: "test" });
      await office.tick();
      await office.idle();
      return (await store.get(id))!;
    },
    /** How many commits of the stream carry `commandId`. */
    async commitsOf(commandId: string) {
      const commits = await inner.readStream("counter", "a", 0);
      return commits.filter((c) => c.commandId === commandId).length;
    },
    async close() {
      await office.stop();
      await system.shutdown();
    },
  };
}

Deno.test("dead letters: a command whose appends fail until the actor parks is one dead letter; the messages refused by the park are none", async () => {
  const w = world();
  try {
    await w.system.ask("counter", "a", { type: "add", n: 1 });
    // Given an event log whose appends fail
    const heal = w.log.inject({ seam: "append", times: Infinity });
    // When a command exhausts the restarts while two more wait behind it
    const asks = [
      w.system.ask("counter", "a", { type: "add", n: 2, navn: "Kari" }, {
        commandId: "cmd-a",
        expectedVersion: 1,
        meta: { correlationId: "req-a" },
      }),
      w.system.ask("counter", "a", { type: "add", n: 3 }, { commandId: "b" }),
      w.system.ask("counter", "a", { type: "add", n: 4 }, { commandId: "c" }),
    ];
    const outcomes = await Promise.allSettled(asks);
    // Then all three answer 503, and only the one that was attempted is a dead letter
    for (const outcome of outcomes) {
      assert.equal(outcome.status, "rejected");
      const error = (outcome as PromiseRejectedResult).reason;
      assert.ok(error instanceof UnavailableError && error.status === 503);
    }
    await w.office.flush();
    const letters = await w.store.all();
    assert.equal(letters.length, 1);
    const [letter] = letters;
    assert.equal(letter.kind, "command");
    assert.equal(letter.status, "open");
    assert.equal(letter.attempts, 3);
    assert.equal(letter.node, "node-1");
    assert.match(letter.reason, /Injected append fault/);
    assert.deepEqual(letter.command, {
      type: "counter",
      id: "a",
      command: { type: "add", n: 2, navn: "Kari" },
      commandId: "cmd-a",
      expectedVersion: 1,
      meta: { correlationId: "req-a" },
      appendedFrom: 1,
    });
    await w.office.tick();
    assert.equal(w.office.readiness().open, 1);
    assert.equal(w.office.readiness().ok, true, "degraded, not down");
    assert.match(
      w.office.metrics(),
      /tms_dead_letters\{kind="command",status="open"\} 1/,
    );
    assert.match(
      w.office.metrics(),
      /tms_dead_letters_recorded_total\{kind="command"\} 1/,
    );

    // When the fault heals and the operator retries
    heal();
    await delay(PARK_MS + 10);
    const retried = await w.retry(letter.id);
    // Then the command commits once, with its own command id
    assert.equal(retried.status, "resolved");
    assert.match(retried.resolution ?? "", /Committed at version 2/);
    assert.equal(await w.commitsOf("cmd-a"), 1);
    assert.equal((await w.system.read<number>("counter", "a")).state, 3);
    await w.office.tick();
    assert.equal(w.office.readiness().open, 0);
    assert.match(
      w.office.metrics(),
      /tms_dead_letter_retries_total\{kind="command",outcome="resolved"\} 1/,
    );
  } finally {
    await w.close();
  }
});

Deno.test("dead letters: an append that had landed before the failure is not written again by the retry, though the actor forgot its id", async () => {
  const w = world({ recentCommands: 2 });
  try {
    await w.system.ask("counter", "a", { type: "add", n: 1 });
    // Given an append that lands but reports a failure, and reloads that fail
    w.log.inject({ seam: "append", times: 1, afterWrite: true });
    const heal = w.log.inject({ seam: "read", times: Infinity });
    await assert.rejects(
      w.system.ask("counter", "a", { type: "add", n: 10 }, {
        commandId: "landed",
      }),
      UnavailableError,
    );
    await w.office.flush();
    const [letter] = await w.store.all();
    assert.equal(letter.command?.appendedFrom, 1);
    assert.equal(await w.commitsOf("landed"), 1, "it had landed");
    // And the actor handles more commands than it remembers ids of
    heal();
    await delay(PARK_MS + 10);
    for (let i = 0; i < 3; i++) {
      await w.system.ask("counter", "a", { type: "add", n: 1 });
    }
    // When the operator retries it
    const head = await w.inner.headPosition();
    const retried = await w.retry(letter.id);
    // Then it is resolved as committed before, and nothing is written
    assert.equal(retried.status, "resolved");
    assert.match(retried.resolution ?? "", /Had committed at version 2/);
    assert.equal(await w.commitsOf("landed"), 1);
    assert.equal(await w.inner.headPosition(), head);
  } finally {
    await w.close();
  }
});

Deno.test("dead letters: a retry while the log is still down fails again and says so; after healing the next one commits once", async () => {
  const w = world();
  try {
    const heal = w.log.inject({ seam: "append", times: Infinity });
    await assert.rejects(
      w.system.ask("counter", "a", { type: "add", n: 5 }, { commandId: "x" }),
      UnavailableError,
    );
    await w.office.flush();
    const [letter] = await w.store.all();
    await delay(PARK_MS + 10);
    // When it is retried before the fault is fixed
    const again = await w.retry(letter.id);
    // Then it is open again, with the new failure in its record
    assert.equal(again.status, "open");
    assert.equal(again.retries, 1);
    assert.ok(again.failures >= 2, "the retry's own failure is counted");
    assert.deepEqual(
      again.history.map((h) => h.action).filter((a) => a !== "recorded"),
      ["retry_requested", "retry_started", "retry_failed"],
    );
    assert.match(again.reason, /parked/);
    assert.equal(await w.commitsOf("x"), 0);
    // When the fault heals and it is retried again
    heal();
    await delay(PARK_MS + 10);
    const done = await w.retry(letter.id);
    assert.equal(done.status, "resolved");
    assert.equal(done.retries, 2);
    assert.equal(await w.commitsOf("x"), 1);
  } finally {
    await w.close();
  }
});

Deno.test("dead letters: a retry refused by the current state is rejected, not retried for ever", async () => {
  const w = world();
  try {
    await w.system.ask("counter", "a", { type: "add", n: 1 });
    const heal = w.log.inject({ seam: "append", times: Infinity });
    await assert.rejects(
      w.system.ask("counter", "a", { type: "add", n: 5 }, {
        commandId: "if-match-1",
        expectedVersion: 1,
      }),
      UnavailableError,
    );
    await w.office.flush();
    const [letter] = await w.store.all();
    heal();
    await delay(PARK_MS + 10);
    // Given the actor moved on meanwhile (the client retried another way)
    await w.system.ask("counter", "a", { type: "add", n: 1 });
    // When the stale command is retried
    const retried = await w.retry(letter.id);
    // Then it is rejected with the reason, and nothing is written
    assert.equal(retried.status, "rejected");
    assert.match(retried.resolution ?? "", /If-Match version is stale/);
    assert.equal(await w.commitsOf("if-match-1"), 0);
  } finally {
    await w.close();
  }
});

Deno.test("supervision: without a command id of the caller's, every attempt uses one id, so a landed append is not written twice", async () => {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const system = new ActorSystem({ log, restartBaseDelayMs: 1 })
    .register({ type: "counter", decider: counter });
  try {
    log.inject({ seam: "append", times: 1, afterWrite: true });
    const result = await system.ask("counter", "a", { type: "add", n: 7 });
    assert.equal(result.duplicate, true);
    assert.equal(await inner.headPosition(), 1);
  } finally {
    await system.shutdown();
  }
});
