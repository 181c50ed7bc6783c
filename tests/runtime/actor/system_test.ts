import assert from "node:assert/strict";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import {
  ConcurrencyError,
  delay,
  DomainError,
  UnavailableError,
} from "../../../runtime/core/mod.ts";
import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { FaultyEventLog } from "../../../runtime/log/mod.ts";
import type {
  Decider,
  DomainEvent,
  EventLog,
} from "../../../runtime/core/mod.ts";

type CounterCommand =
  | { type: "add"; n: number }
  | { type: "slow_add"; n: number }
  | { type: "noop" };
type CounterEvent = DomainEvent<"added", { n: number }>;
interface CounterState {
  total: number;
  history: number[];
}

/** A tiny decider; `add` with n < 0 breaks a rule. */
const counter: Decider<CounterCommand, CounterEvent, CounterState> = {
  initialState: { total: 0, history: [] },
  decide(command) {
    if (command.type === "noop") return [];
    if (command.n < 0) {
      throw new DomainError("counter.negative", "No negatives");
    }
    return [{ type: "added", v: 1, data: { n: command.n } }];
  },
  evolve(state, event) {
    return {
      total: state.total + event.data.n,
      history: [...state.history, event.data.n],
    };
  },
};

function system(
  log: EventLog,
  options: Partial<ConstructorParameters<typeof ActorSystem>[0]> = {},
) {
  return new ActorSystem({ log, ...options }).register({
    type: "counter",
    decider: counter,
  });
}

Deno.test("ask commits events and returns version, position, events and state", async () => {
  const log = new MemoryEventLog();
  const s = system(log);
  const first = await s.ask("counter", "a", { type: "add", n: 2 });
  const second = await s.ask("counter", "a", { type: "add", n: 3 });
  assert.equal(first.version, 1);
  assert.equal(second.version, 2);
  assert.equal(second.position, 2);
  assert.deepEqual(second.events, [{ type: "added", v: 1, data: { n: 3 } }]);
  assert.deepEqual(second.state, { total: 5, history: [2, 3] });
  assert.equal((await log.readStream("counter", "a", 0)).length, 2);
  await s.shutdown();
});

Deno.test("a rule violation rejects with DomainError and writes nothing", async () => {
  const log = new MemoryEventLog();
  const s = system(log);
  await s.ask("counter", "a", { type: "add", n: 1 });
  await assert.rejects(
    s.ask("counter", "a", { type: "add", n: -1 }),
    DomainError,
  );
  assert.equal(await log.headPosition(), 1);
  const after = await s.ask("counter", "a", { type: "add", n: 1 });
  assert.equal(after.version, 2);
  await s.shutdown();
});

Deno.test("an actor handles one message at a time, in arrival order", async () => {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  log.inject({ seam: "append", latencyMs: 5 });
  let inFlight = 0;
  let maxInFlight = 0;
  const append = log.append.bind(log);
  log.append = async (request, options) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await append(request, options);
    } finally {
      inFlight--;
    }
  };
  const s = system(log);
  const results = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) => s.ask("counter", "a", { type: "add", n: i }),
    ),
  );
  assert.equal(maxInFlight, 1);
  assert.deepEqual(
    results.map((r) => r.version),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const { state } = await s.read<CounterState>("counter", "a");
  assert.deepEqual(state.history, Array.from({ length: 20 }, (_, i) => i));
  await s.shutdown();
});

Deno.test("different actors run concurrently", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  log.inject({ seam: "append", latencyMs: 40 });
  const s = system(log);
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: 10 },
      (_, i) => s.ask("counter", `c${i}`, { type: "add", n: 1 }),
    ),
  );
  const elapsed = performance.now() - started;
  assert.ok(
    elapsed < 40 * 10,
    `10 actors took ${elapsed} ms: they ran one after another`,
  );
  await s.shutdown();
});

Deno.test("passivation and reactivation give the same state", async () => {
  const log = new MemoryEventLog();
  const s = system(log, { snapshotEvery: 0 });
  for (let i = 1; i <= 5; i++) {
    await s.ask("counter", "a", { type: "add", n: i });
  }
  const before = await s.read("counter", "a");
  assert.equal(s.stats().active, 1);
  assert.ok(s.passivate("counter", "a"));
  await delay(1);
  assert.equal(s.stats().active, 0);
  const after = await s.read("counter", "a");
  assert.deepEqual(after, before);
  await s.shutdown();
});

Deno.test("idle actors are passivated after the idle timeout", async () => {
  const s = system(new MemoryEventLog(), { idleTimeoutMs: 30 });
  await s.ask("counter", "a", { type: "add", n: 1 });
  assert.equal(s.stats().active, 1);
  await delay(120);
  assert.equal(s.stats().active, 0);
  assert.equal((await s.read<CounterState>("counter", "a")).state.total, 1);
  await s.shutdown();
});

Deno.test("the maximum of active actors evicts the least recently used", async () => {
  const s = system(new MemoryEventLog(), { maxActive: 3 });
  for (const id of ["a", "b", "c"]) {
    await s.ask("counter", id, { type: "add", n: 1 });
  }
  await s.ask("counter", "a", { type: "add", n: 1 });
  await s.ask("counter", "d", { type: "add", n: 1 });
  assert.equal(s.stats().active, 3);
  assert.ok(
    !s.passivate("counter", "b"),
    "b was the least recently used and is gone",
  );
  assert.ok(s.passivate("counter", "a"), "a was used recently and stayed");
  assert.equal((await s.read<CounterState>("counter", "b")).state.total, 1);
  await s.shutdown();
});

Deno.test("snapshot plus tail equals full replay", async () => {
  const log = new MemoryEventLog();
  const withSnapshots = system(log, { snapshotEvery: 4 });
  for (let i = 1; i <= 10; i++) {
    await withSnapshots.ask("counter", "a", { type: "add", n: i });
  }
  await delay(10);
  const snapshot = await log.loadSnapshot("counter", "a");
  assert.equal(snapshot?.version, 8);
  assert.equal((snapshot?.state as CounterState).total, 36);
  withSnapshots.passivate("counter", "a");
  const fromSnapshot = await withSnapshots.read("counter", "a");
  const replayOnly = system(log, { snapshotEvery: 0 });
  const originalLoad = log.loadSnapshot.bind(log);
  log.loadSnapshot = () => Promise.resolve(null);
  const fromReplay = await replayOnly.read("counter", "a");
  log.loadSnapshot = originalLoad;
  assert.deepEqual(fromSnapshot, fromReplay);
  assert.equal((fromSnapshot.state as CounterState).total, 55);
  await withSnapshots.shutdown();
  await replayOnly.shutdown();
});

Deno.test("a snapshot that cannot be written is tried again N commits later, not on every command", async () => {
  const log = new MemoryEventLog();
  const attempts: number[] = [];
  log.saveSnapshot = (_type, _id, snapshot) => {
    attempts.push(snapshot.version);
    return Promise.reject(new TypeError("Value too large (max 65536 bytes)"));
  };
  const warn = console.warn;
  console.warn = () => {};
  const s = system(log, { snapshotEvery: 4 });
  try {
    for (let i = 1; i <= 13; i++) {
      await s.ask("counter", "a", { type: "add", n: i });
      await delay(1);
    }
    assert.deepEqual(attempts, [4, 8, 12]);
    assert.equal((await s.read<CounterState>("counter", "a")).state.total, 91);
  } finally {
    console.warn = warn;
    await s.shutdown();
  }
});

Deno.test("a snapshot of another state version is ignored", async () => {
  const log = new MemoryEventLog();
  const s = system(log, { snapshotEvery: 1 });
  await s.ask("counter", "a", { type: "add", n: 1 });
  await delay(5);
  await log.saveSnapshot("counter", "a", {
    version: 1,
    position: 1,
    stateVersion: 99,
    state: { total: 1000, history: [] },
    recent: [],
  });
  s.passivate("counter", "a");
  assert.equal((await s.read<CounterState>("counter", "a")).state.total, 1);
  await s.shutdown();
});

Deno.test("a retried command id returns the first result and writes nothing", async () => {
  const log = new MemoryEventLog();
  const s = system(log, { snapshotEvery: 2 });
  const first = await s.ask("counter", "a", { type: "add", n: 5 }, {
    commandId: "cmd-1",
  });
  await s.ask("counter", "a", { type: "add", n: 1 });
  await s.ask("counter", "a", { type: "add", n: 1 });
  const retry = await s.ask("counter", "a", { type: "add", n: 5 }, {
    commandId: "cmd-1",
  });
  assert.equal(retry.duplicate, true);
  assert.equal(retry.version, first.version);
  assert.equal(retry.position, first.position);
  assert.deepEqual(retry.events, first.events);
  // The state as of that commit, not the state now (total 7).
  assert.deepEqual(retry.state, { total: 5, history: [5] });
  assert.deepEqual(retry.state, first.state);
  assert.equal(await log.headPosition(), 3);
  // Also after passivation: the id is recovered from the snapshot and the log.
  s.passivate("counter", "a");
  const again = await s.ask("counter", "a", { type: "add", n: 5 }, {
    commandId: "cmd-1",
  });
  assert.equal(again.duplicate, true);
  assert.deepEqual(again.state, { total: 5, history: [5] });
  assert.equal(await log.headPosition(), 3);
  await s.shutdown();
});

Deno.test("expectedVersion that does not match rejects with ConcurrencyError", async () => {
  const s = system(new MemoryEventLog());
  await s.ask("counter", "a", { type: "add", n: 1 });
  await assert.rejects(
    s.ask("counter", "a", { type: "add", n: 1 }, { expectedVersion: 0 }),
    (e) => e instanceof ConcurrencyError && e.actualVersion === 1,
  );
  const ok = await s.ask("counter", "a", { type: "add", n: 1 }, {
    expectedVersion: 1,
  });
  assert.equal(ok.version, 2);
  await s.shutdown();
});

Deno.test("a full mailbox rejects with a retryable 429 and never grows", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  log.inject({ seam: "append", latencyMs: 20 });
  const s = system(log, { mailboxCapacity: 5 });
  const outcomes = await Promise.allSettled(
    Array.from(
      { length: 12 },
      () => s.ask("counter", "a", { type: "add", n: 1 }),
    ),
  );
  const rejected = outcomes.filter((o) =>
    o.status === "rejected"
  ) as PromiseRejectedResult[];
  const accepted = outcomes.filter((o) => o.status === "fulfilled");
  assert.ok(rejected.length >= 6, `only ${rejected.length} rejected`);
  for (const r of rejected) {
    assert.ok(r.reason instanceof UnavailableError);
    assert.equal(r.reason.status, 429);
    assert.ok(r.reason.retryAfter >= 1);
  }
  assert.equal(
    (await s.read<CounterState>("counter", "a")).state.total,
    accepted.length,
  );
  await s.shutdown();
});

Deno.test("a deadline that passes while queued removes the message", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  log.inject({ seam: "append", latencyMs: 50 });
  const s = system(log);
  const slow = s.ask("counter", "a", { type: "add", n: 1 });
  const controller = new AbortController();
  const queued = s.ask("counter", "a", { type: "add", n: 100 }, {
    signal: controller.signal,
  });
  controller.abort(new DOMException("deadline", "TimeoutError"));
  await assert.rejects(
    queued,
    (e) => e instanceof DOMException && e.name === "TimeoutError",
  );
  await slow;
  assert.equal((await s.read<CounterState>("counter", "a")).state.total, 1);
  await s.shutdown();
});

Deno.test("supervision: a failing append restarts the actor and the command succeeds once", async () => {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const s = system(log, { restartBaseDelayMs: 1 });
  await s.ask("counter", "a", { type: "add", n: 1 });
  log.inject({ seam: "append", times: 2 });
  const result = await s.ask("counter", "a", { type: "add", n: 2 });
  assert.equal(result.version, 2);
  assert.equal(s.stats().restarts, 2);
  assert.deepEqual(
    (await inner.readStream("counter", "a", 0)).map((c) => c.version),
    [1, 2],
  );
  await s.shutdown();
});

Deno.test("supervision: an append that landed but reported failure is not written twice", async () => {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const s = system(log, { restartBaseDelayMs: 1 });
  log.inject({ seam: "append", times: 1, afterWrite: true });
  const result = await s.ask("counter", "a", { type: "add", n: 7 }, {
    commandId: "once",
  });
  assert.equal(result.version, 1);
  assert.equal(result.duplicate, true);
  assert.equal(await inner.headPosition(), 1);
  await s.shutdown();
});

Deno.test("supervision: repeated load failures park the actor, visible in stats, then it recovers", async () => {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const s = system(log, {
    restartAttempts: 2,
    restartBaseDelayMs: 1,
    parkMs: 100,
  });
  await s.ask("counter", "a", { type: "add", n: 1 });
  s.passivate("counter", "a");
  const stop = log.inject({ seam: "read", times: Infinity });
  await assert.rejects(
    s.ask("counter", "a", { type: "add", n: 1 }),
    (e) => e instanceof UnavailableError && e.status === 503,
  );
  assert.equal(s.stats().parked.length, 1);
  assert.equal(s.stats().parked[0].id, "a");
  await assert.rejects(
    s.ask("counter", "a", { type: "add", n: 1 }),
    (e) => e instanceof UnavailableError && /parked/.test(e.message),
  );
  assert.equal(
    s.stats().restarts,
    3,
    "parked actors are not retried while parked",
  );
  stop();
  await delay(120);
  const ok = await s.ask("counter", "a", { type: "add", n: 1 });
  assert.equal(ok.version, 2);
  assert.equal(s.stats().parked.length, 0);
  await s.shutdown();
});

Deno.test("supervision: unparkAll ends the parks at once once their cause is gone", async () => {
  const inner = new MemoryEventLog();
  const log = new FaultyEventLog(inner);
  const s = system(log, {
    restartAttempts: 1,
    restartBaseDelayMs: 1,
    parkMs: 60_000,
  });
  await s.ask("counter", "a", { type: "add", n: 1 });
  s.passivate("counter", "a");
  const stop = log.inject({ seam: "read", times: Infinity });
  await assert.rejects(
    s.ask("counter", "a", { type: "add", n: 1 }),
    (e) => e instanceof UnavailableError,
  );
  assert.equal(s.stats().parked.length, 1);
  stop();
  // Still parked for a minute…
  await assert.rejects(
    s.ask("counter", "a", { type: "add", n: 1 }),
    (e) => e instanceof UnavailableError && /parked/.test(e.message),
  );
  // …unless the cause is known to be gone.
  assert.equal(s.unparkAll(), 1);
  assert.equal(s.stats().parked.length, 0);
  const ok = await s.ask("counter", "a", { type: "add", n: 1 });
  assert.equal(ok.version, 2);
  await s.shutdown();
});

Deno.test("a stale actor (the log moved on) reloads and re-decides instead of forking", async () => {
  const log = new MemoryEventLog();
  const s1 = system(log);
  const s2 = system(log);
  await s1.ask("counter", "a", { type: "add", n: 1 });
  await s2.ask("counter", "a", { type: "add", n: 10 });
  const result = await s1.ask("counter", "a", { type: "add", n: 100 });
  assert.equal(result.version, 3);
  assert.equal((result.state as CounterState).total, 111);
  assert.deepEqual(
    (await log.readStream("counter", "a", 0)).map((c) => c.version),
    [1, 2, 3],
  );
  await s1.shutdown();
  await s2.shutdown();
});

Deno.test("a command producing no events writes nothing", async () => {
  const log = new MemoryEventLog();
  const s = system(log);
  await s.ask("counter", "a", { type: "add", n: 1 });
  const result = await s.ask("counter", "a", { type: "noop" });
  assert.equal(result.version, 1);
  assert.deepEqual(result.events, []);
  assert.equal(await log.headPosition(), 1);
  await s.shutdown();
});

Deno.test("reading an actor with no history answers version 0 and does not stay active", async () => {
  const s = system(new MemoryEventLog());
  const result = await s.read("counter", "ghost");
  assert.equal(result.version, 0);
  assert.equal(s.stats().active, 0);
  await s.shutdown();
});

Deno.test("on Deno KV, state survives closing and reopening the log", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = await KvEventLog.open(`${dir}/e.kv`);
    const s = system(log, { snapshotEvery: 3 });
    await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) => s.ask("counter", `k${i % 5}`, { type: "add", n: i }),
      ),
    );
    const before = await Promise.all(
      Array.from({ length: 5 }, (_, i) => s.read("counter", `k${i}`)),
    );
    await s.shutdown();
    await log.close();
    const again = await KvEventLog.open(`${dir}/e.kv`);
    const s2 = system(again);
    const after = await Promise.all(
      Array.from({ length: 5 }, (_, i) => s2.read("counter", `k${i}`)),
    );
    assert.deepEqual(after, before);
    await s2.shutdown();
    await again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deepestMailboxes lists the fullest mailboxes, deepest first, at most the limit", async () => {
  const log = new FaultyEventLog(new MemoryEventLog());
  log.inject({ seam: "append", latencyMs: 30 });
  const s = system(log);
  assert.deepEqual(s.deepestMailboxes(), []);
  const sends = Object.entries({ a: 5, b: 2, c: 9, d: 1 }).flatMap((
    [id, n],
  ) =>
    Array.from({ length: n }, () => s.ask("counter", id, { type: "add", n: 1 }))
  );
  await delay(5);
  const top = s.deepestMailboxes(2);
  assert.deepEqual(top.map((m) => m.id), ["c", "a"]);
  assert.ok(top[0].depth > top[1].depth, JSON.stringify(top));
  assert.ok(top[1].depth >= 3, JSON.stringify(top));
  const all = s.deepestMailboxes(100);
  assert.deepEqual(all.map((m) => m.id).slice(0, 3), ["c", "a", "b"]);
  assert.ok(all.every((m, i) => i === 0 || all[i - 1].depth >= m.depth));
  assert.throws(() => s.deepestMailboxes(0), RangeError);
  await Promise.all(sends);
  assert.deepEqual(s.deepestMailboxes(), []);
  await s.shutdown();
});

Deno.test("given an actor whose state grows, when it is snapshotted, then the interval stretches with the state's size, at most 10×", async () => {
  // Each commit adds 1,000 characters to the state.
  const padded: Decider<
    { type: "pad" },
    DomainEvent<"padded", { text: string }>,
    string[]
  > = {
    initialState: [],
    decide: () => [{ type: "padded", v: 1, data: { text: "x".repeat(1000) } }],
    evolve: (state, event) => [...state, event.data.text],
  };
  const log = new MemoryEventLog();
  const saved: number[] = [];
  const save = log.saveSnapshot.bind(log);
  log.saveSnapshot = (type, id, snapshot) => {
    saved.push(snapshot.version);
    return save(type, id, snapshot);
  };
  const s = new ActorSystem({ log, snapshotEvery: 4 }).register({
    type: "padded",
    decider: padded,
  });
  for (let i = 0; i < 80; i++) await s.ask("padded", "a", { type: "pad" });
  // At 4 commits the state is ~4,000 characters: one commit per 128 of them
  // is 32 commits to the next snapshot; from 36 on the cap (10 × 4) holds.
  assert.deepEqual(saved, [4, 36, 76]);
  s.passivate("padded", "a");
  assert.equal((await s.read<string[]>("padded", "a")).state.length, 80);
  await s.shutdown();
});
