/**
 * Every seam of `runtime/chaos`, with a fault active and without one: the
 * event log, the actor system (crash, mailbox delay), the projection engine
 * (pause), SQL, the file store, and the process faults.
 */
import assert from "node:assert/strict";
import {
  ChaosEventLog,
  ChaosFileStore,
  ChaosSqlStore,
  FaultKinds,
  FaultRegistry,
  ProcessFaults,
} from "../../../runtime/chaos/mod.ts";
import type { ActiveFault } from "../../../runtime/chaos/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { delay, UnavailableError } from "../../../runtime/core/mod.ts";
import type {
  AppendRequest,
  Decider,
  DomainEvent,
} from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import type { Projection } from "../../../runtime/projection/mod.ts";
import { MemoryFileStore } from "../../../runtime/storage/mod.ts";
import type { SqlStore } from "../../../runtime/sql/mod.ts";
import { pgliteFixture } from "../../support/sql_stores.ts";

function req(id: string, version: number, commandId: string): AppendRequest {
  return {
    type: "thing",
    id,
    expectedVersion: version,
    commandId,
    events: [{ type: "thing.happened", v: 1, data: {} }],
  };
}

/** A registry whose per-call draws come from `draws` (then 0.99: no fault). */
function registry(draws: number[] = []) {
  return new FaultRegistry({
    node: "n1",
    random: () => draws.shift() ?? 0.99,
  });
}

async function rejects503(promise: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UnavailableError, String(error));
    assert.equal(error.status, 503);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("event log seam: with no fault every call goes to the inner log unchanged", async () => {
  const r = registry();
  const inner = new MemoryEventLog();
  const log = new ChaosEventLog(inner, r);
  try {
    const a = await log.append(req("1", 0, "c1"));
    assert.equal(a.version, 1);
    assert.equal((await log.readStream("thing", "1", 0)).length, 1);
    assert.equal((await log.readFeed(0, 10)).length, 1);
    assert.equal(await log.headPosition(), 1);
    assert.equal(await inner.headPosition(), 1);
  } finally {
    r.close();
    await log.close();
  }
});

Deno.test("event log seam: an outage fails every call with 503, and the log works again once it ends", async () => {
  const r = registry();
  const log = new ChaosEventLog(new MemoryEventLog(), r);
  try {
    await log.append(req("1", 0, "c1"));
    r.activate({ id: "o", kind: FaultKinds.logOutage, durationMs: 60_000 });
    await rejects503(log.append(req("1", 1, "c2")), /unavailable/);
    await rejects503(log.readStream("thing", "1", 0), /unavailable/);
    await rejects503(log.readFeed(0, 10), /unavailable/);
    await rejects503(log.headPosition(), /unavailable/);
    await rejects503(log.loadSnapshot("thing", "1"), /unavailable/);
    r.clear("o");
    assert.equal((await log.append(req("1", 1, "c2"))).version, 2);
  } finally {
    r.close();
  }
});

Deno.test("event log seam: latency hits the operations and actors it names only", async () => {
  const r = registry();
  const log = new ChaosEventLog(new MemoryEventLog(), r);
  try {
    r.activate({
      id: "l",
      kind: FaultKinds.logLatency,
      durationMs: 60_000,
      params: { latencyMs: 150, operations: ["append"] },
      selector: { aggregateTypes: ["thing"] },
    });
    let t0 = performance.now();
    await log.append(req("1", 0, "c1"));
    assert.ok(performance.now() - t0 >= 140, "the append waited");
    t0 = performance.now();
    await log.append({ ...req("2", 0, "c2"), type: "other" });
    const other = performance.now() - t0;
    await log.readStream("thing", "1", 0);
    assert.ok(other < 140, `another type did not wait (${other} ms)`);
  } finally {
    r.close();
  }
});

Deno.test("event log seam: when a latency fault is cleared, the calls it holds back go on at once; another fault's activation ends nothing", async () => {
  const r = registry();
  const log = new ChaosEventLog(new MemoryEventLog(), r);
  try {
    r.activate({
      id: "l",
      kind: FaultKinds.logLatency,
      durationMs: 60_000,
      params: { latencyMs: 30_000, operations: ["append", "read"] },
    });
    let settled = false;
    const held = Promise.all([
      log.append(req("1", 0, "c1")),
      log.readFeed(0, 10),
    ]).then((results) => {
      settled = true;
      return results;
    });
    await delay(20);
    assert.equal(settled, false, "held back while the fault is active");
    r.activate({
      id: "other",
      kind: FaultKinds.logLatency,
      durationMs: 60_000,
      params: { latencyMs: 1, operations: ["append"] },
      selector: { aggregateTypes: ["other"] },
    });
    await delay(20);
    assert.equal(settled, false, "another fault's activation ends nothing");
    r.clear("l");
    // Not the 30 s the fault asked for: well before a 5 s bound.
    const bound = new AbortController();
    const first = await Promise.race([
      held.then(() => "held calls"),
      delay(5_000, { signal: bound.signal }).then(() => "5 s"),
    ]);
    bound.abort();
    assert.equal(first, "held calls");
    const [appended] = await held;
    assert.equal(appended.version, 1);
  } finally {
    r.close();
    await log.close();
  }
});

Deno.test("event log seam: an error after the write lands the commit and still fails the call", async () => {
  const r = registry([0]);
  const inner = new MemoryEventLog();
  const log = new ChaosEventLog(inner, r);
  try {
    r.activate({
      id: "e",
      kind: FaultKinds.logError,
      durationMs: 60_000,
      params: { rate: 0.5, afterWrite: true, operations: ["append"] },
    });
    await rejects503(log.append(req("1", 0, "c1")), /after the append landed/);
    assert.equal(await inner.headPosition(), 1, "the commit landed");
    // The next draw is 0.99: not within the rate.
    assert.equal((await log.append(req("1", 1, "c2"))).version, 2);
  } finally {
    r.close();
  }
});

Deno.test("event log seam: a full disk refuses writes with Retry-After and lets reads through", async () => {
  const r = registry();
  const log = new ChaosEventLog(new MemoryEventLog(), r);
  try {
    await log.append(req("1", 0, "c1"));
    r.activate({ id: "d", kind: FaultKinds.diskFull, durationMs: 60_000 });
    await assert.rejects(
      log.append(req("1", 1, "c2")),
      (e: unknown) =>
        e instanceof UnavailableError && e.retryAfter === 5 &&
        /No space left/.test(e.message),
    );
    await rejects503(
      log.saveSnapshot("thing", "1", {
        version: 1,
        position: 1,
        stateVersion: 1,
        state: {},
        recent: [],
      }),
      /No space left/,
    );
    assert.equal((await log.readStream("thing", "1", 0)).length, 1);
  } finally {
    r.close();
  }
});

type Cmd = { type: "add"; n: number };
type Evt = DomainEvent<"added", { n: number }>;
const counter: Decider<Cmd, Evt, number> = {
  initialState: 0,
  decide: (c) => [{ type: "added", v: 1, data: { n: c.n } }],
  evolve: (s, e) => s + e.data.n,
};

function actorSystem(r: FaultRegistry, log = new MemoryEventLog()) {
  return new ActorSystem({
    log,
    faults: r.seams.actor,
    restartBaseDelayMs: 1,
  }).register({ type: "counter", decider: counter });
}

for (const phase of ["decide", "append"] as const) {
  Deno.test(`actor seam: a crash at ${phase} is restarted from the log and the command lands once`, async () => {
    // First draw crashes (0 < rate), the next does not.
    const r = registry([0]);
    const log = new MemoryEventLog();
    const system = actorSystem(r, log);
    try {
      await system.ask("counter", "a", { type: "add", n: 1 });
      r.activate({
        id: "c",
        kind: FaultKinds.actorCrash,
        durationMs: 60_000,
        params: { rate: 0.5, phase },
      });
      const result = await system.ask("counter", "a", { type: "add", n: 2 }, {
        commandId: "cmd-2",
      });
      assert.equal(result.version, 2);
      assert.equal(result.state, 3);
      assert.equal(result.duplicate, phase === "append");
      assert.equal(system.stats().restarts, 1);
      const commits = await log.readStream("counter", "a", 0);
      assert.deepEqual(commits.map((c) => c.commandId).slice(1), ["cmd-2"]);
    } finally {
      r.close();
      await system.shutdown();
    }
  });
}

Deno.test("actor seam: with no fault a command is not restarted; a crash selects only its percent of actors", async () => {
  const r = registry();
  const system = actorSystem(r);
  try {
    await system.ask("counter", "a", { type: "add", n: 1 });
    assert.equal(system.stats().restarts, 0);
    r.activate({
      id: "c",
      kind: FaultKinds.actorCrash,
      durationMs: 60_000,
      params: { rate: 1, phase: "decide" },
      selector: { percent: 10 },
    });
    // rate 1: every command of a selected actor crashes until it parks.
    const outcomes = await Promise.all(
      Array.from(
        { length: 60 },
        (_, i) =>
          system.ask("counter", `x${i}`, { type: "add", n: 1 }).then(
            () => "ok",
            (e) => e instanceof UnavailableError ? "503" : String(e),
          ),
      ),
    );
    const failed = outcomes.filter((o) => o === "503").length;
    assert.ok(failed > 0 && failed < 20, `${failed} of 60 crashed`);
    assert.ok(outcomes.every((o) => o === "ok" || o === "503"));
  } finally {
    r.close();
    await system.shutdown();
  }
});

Deno.test("actor seam: a mailbox delay holds each message of the selected actors", async () => {
  const r = registry();
  const system = actorSystem(r);
  try {
    r.activate({
      id: "m",
      kind: FaultKinds.mailboxDelay,
      durationMs: 60_000,
      params: { delayMs: 100 },
    });
    const t0 = performance.now();
    await system.ask("counter", "a", { type: "add", n: 1 });
    await system.ask("counter", "a", { type: "add", n: 1 });
    assert.ok(performance.now() - t0 >= 190, "two messages, two waits");
  } finally {
    r.close();
    await system.shutdown();
  }
});

const countsProjection: Projection = {
  name: "thing_counts",
  eventTypes: ["thing.happened"],
  tables: ["thing_counts"],
  migrations: [{
    version: 1,
    name: "create",
    sql: "CREATE TABLE thing_counts (id text PRIMARY KEY, n int NOT NULL)",
  }],
  async apply(commits, tx) {
    for (const c of commits) {
      await tx.query(
        `INSERT INTO thing_counts VALUES ($1::text, 1)
         ON CONFLICT (id) DO UPDATE SET n = thing_counts.n + 1`,
        [c.id],
      );
    }
  },
};

Deno.test("projection seam: a pause stops the selected projection until it ends; the rows then catch up", async () => {
  const r = registry();
  const fixture = pgliteFixture();
  const store = await fixture.open();
  const log = new MemoryEventLog();
  const engine = new ProjectionEngine({
    store,
    log,
    projections: [countsProjection],
    pollIntervalMs: 20,
    lingerMs: 0,
    faults: r.seams.projection,
  });
  try {
    await engine.start();
    await log.append(req("1", 0, "c1"));
    await engine.waitFor(1, { signal: AbortSignal.timeout(10_000) });
    r.activate({
      id: "p",
      kind: FaultKinds.projectionPause,
      durationMs: 60_000,
      selector: { projections: ["thing_counts"] },
    });
    await log.append(req("1", 1, "c2"));
    await delay(300);
    assert.equal(await engine.position("thing_counts"), 1, "paused");
    assert.equal(engine.status()[0].lagPositions, 1);
    r.clear("p");
    await engine.waitFor(2, { signal: AbortSignal.timeout(10_000) });
    const [row] = await store.query("SELECT n FROM thing_counts");
    assert.equal(row.n, 2);
  } finally {
    r.close();
    await engine.stop();
    await fixture.cleanup();
  }
});

/** A SqlStore that records each call. */
function fakeStore(calls: string[]): SqlStore {
  return {
    backend: "pglite",
    schema: "public",
    query: (text) => (calls.push(text), Promise.resolve([])),
    exec: (script) => (calls.push(script), Promise.resolve()),
    transaction: (fn) => (calls.push("tx"),
      fn({
        query: () => Promise.resolve([]),
        exec: () => Promise.resolve(),
      })),
    withLock: (_, fn) => fn(),
    close: () => Promise.resolve(),
  };
}

Deno.test("SQL seam: database_slow delays queries and transactions; without it they go straight through", async () => {
  const r = registry();
  const calls: string[] = [];
  const store = new ChaosSqlStore(fakeStore(calls), r);
  try {
    let t0 = performance.now();
    await store.query("SELECT 1");
    assert.ok(performance.now() - t0 < 100);
    r.activate({
      id: "s",
      kind: FaultKinds.databaseSlow,
      durationMs: 60_000,
      params: { latencyMs: 120 },
    });
    t0 = performance.now();
    await store.query("SELECT 2");
    await store.transaction(() => Promise.resolve());
    assert.ok(performance.now() - t0 >= 230, "both waited");
    assert.deepEqual(calls, ["SELECT 1", "SELECT 2", "tx"]);
  } finally {
    r.close();
  }
});

Deno.test("file seam: a full disk refuses uploads with 503 and Retry-After; reads and later uploads work", async () => {
  const r = registry();
  const files = new ChaosFileStore(new MemoryFileStore(), r);
  const options = {
    contentType: "text/plain",
    accept: ["text/plain"],
    maxBytes: 100,
  };
  try {
    await files.put("a", new TextEncoder().encode("a"), options);
    r.activate({ id: "d", kind: FaultKinds.diskFull, durationMs: 60_000 });
    await assert.rejects(
      files.put("b", new TextEncoder().encode("b"), options),
      (e: unknown) => e instanceof UnavailableError && e.retryAfter === 5,
    );
    assert.ok(await files.get("a"));
    r.clear("d");
    await files.put("b", new TextEncoder().encode("b"), options);
  } finally {
    r.close();
    await files.close();
  }
});

Deno.test("process faults: CPU workers and a bounded allocation run while their faults do and stop with them; node_kill calls the killer", async () => {
  const r = registry();
  const killed: ActiveFault[] = [];
  const process = new ProcessFaults({
    registry: r,
    kill: (fault) => void killed.push(fault),
  });
  try {
    assert.deepEqual(process.stats(), { cpuWorkers: 0, heldBytes: 0 });
    r.activate({
      id: "cpu",
      kind: FaultKinds.cpuStress,
      durationMs: 60_000,
      params: { share: 0.2, workers: 1 },
    });
    assert.equal(process.stats().cpuWorkers, 1);
    r.activate({
      id: "mem",
      kind: FaultKinds.memoryLeak,
      durationMs: 60_000,
      params: { mb: 4, mbPerSecond: 100 },
    });
    await delay(400);
    const held = process.stats().heldBytes;
    assert.ok(held > 0 && held <= 4 << 20, `${held} bytes held, cap 4 MiB`);
    r.clear("cpu");
    r.clear("mem");
    assert.deepEqual(process.stats(), { cpuWorkers: 0, heldBytes: 0 });
    r.activate({ id: "kill", kind: FaultKinds.nodeKill, durationMs: 5000 });
    assert.deepEqual(killed.map((f) => f.id), ["kill"]);
  } finally {
    process.close();
    r.close();
  }
});
