import assert from "node:assert/strict";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import {
  assertCurrentVersion,
  EventUpcasters,
  EventVersionError,
} from "../../../runtime/core/mod.ts";
import type {
  AppendRequest,
  Decider,
  DomainEvent,
  EventLog,
} from "../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { UpcastingEventLog } from "../../../runtime/log/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import { ProjectionStates } from "../../../runtime/projection/mod.ts";
import type { Projection } from "../../../runtime/projection/mod.ts";
import { SQL_FIXTURES } from "../../support/sql_stores.ts";

// counter.added v1 { n } → v2 { amount }; counter.reset stays v1.
type CounterEvent =
  | DomainEvent<"counter.added", { amount: number }>
  | DomainEvent<"counter.reset", null>;
const VERSIONS = { "counter.added": 2, "counter.reset": 1 };
const upcasters = new EventUpcasters(VERSIONS, [{
  type: "counter.added",
  from: 1,
  upcast: (data: { n: number }) => ({ amount: data.n }),
}]);

const counter: Decider<{ type: "add"; amount: number }, CounterEvent, number> =
  {
    initialState: 0,
    decide: (
      c,
    ) => [{ type: "counter.added", v: 2, data: { amount: c.amount } }],
    evolve: (total, e) => {
      // A fold that would misread v1 data: it must only ever see v2.
      assert.equal(e.v, VERSIONS[e.type]);
      return e.type === "counter.added" ? total + e.data.amount : 0;
    },
  };

const append = (
  id: string,
  expectedVersion: number,
  events: DomainEvent[],
): AppendRequest => ({
  type: "counter",
  id,
  expectedVersion,
  commandId: `${id}-${expectedVersion}`,
  events,
});

/** A log written by older code: v1 adds, a reset, and a current v2 add. */
async function oldLog(): Promise<MemoryEventLog> {
  const log = new MemoryEventLog();
  await log.append(append("a", 0, [
    { type: "counter.added", v: 1, data: { n: 2 } },
    { type: "counter.added", v: 1, data: { n: 3 } },
  ]));
  await log.append(
    append("b", 0, [{ type: "counter.reset", v: 1, data: null }]),
  );
  await log.append(append("a", 1, [
    { type: "counter.added", v: 2, data: { amount: 5 } },
  ]));
  return log;
}

Deno.test("upcasting log: readStream and readFeed return v1 events as v2; the stored ones are untouched", async () => {
  const inner = await oldLog();
  const log = new UpcastingEventLog(inner, upcasters);
  const stream = await log.readStream("counter", "a", 0);
  assert.deepEqual(stream[0].events, [
    { type: "counter.added", v: 2, data: { amount: 2 } },
    { type: "counter.added", v: 2, data: { amount: 3 } },
  ]);
  const feed = await log.readFeed(0, 10);
  assert.deepEqual(feed.map((c) => c.events.map((e) => e.v)), [[2, 2], [1], [
    2,
  ]]);
  assert.deepEqual(
    (await inner.readStream("counter", "a", 0))[0].events[0],
    { type: "counter.added", v: 1, data: { n: 2 } },
  );
});

Deno.test("upcasting log: commits already current come back as the same objects", async () => {
  // A backend that hands out the same arrays every time, so identity shows.
  const all = await (await oldLog()).readFeed(0, 10);
  const tail = all.slice(1);
  const stub = {
    readFeed: (after: number) => Promise.resolve(after === 0 ? all : tail),
  } as unknown as EventLog;
  const log = new UpcastingEventLog(stub, upcasters);
  const read = await log.readFeed(0, 10);
  assert.notEqual(read[0], all[0]);
  assert.equal(read[1], all[1]);
  assert.equal(read[2], all[2]);
  // A page with nothing to upcast is the backend's own array.
  assert.equal(await log.readFeed(1, 10), tail);
});

Deno.test("upcasting log: an actor replays an old stream into the state of a current one", async () => {
  const system = new ActorSystem({
    log: new UpcastingEventLog(await oldLog(), upcasters),
  }).register({ type: "counter", decider: counter });
  try {
    const { state, version } = await system.read<number>("counter", "a");
    assert.equal(state, 10);
    assert.equal(version, 2);
    const next = await system.ask("counter", "a", { type: "add", amount: 1 });
    assert.equal(next.state, 11);
  } finally {
    await system.shutdown();
  }
});

Deno.test("upcasting log: a snapshot's recent commands are upcast when loaded", async () => {
  const inner = new MemoryEventLog();
  await inner.saveSnapshot("counter", "a", {
    version: 1,
    position: 1,
    stateVersion: 1,
    state: 5,
    recent: [{
      commandId: "c1",
      version: 1,
      position: 1,
      events: [{ type: "counter.added", v: 1, data: { n: 5 } }],
    }],
  });
  const log = new UpcastingEventLog(inner, upcasters);
  const snapshot = await log.loadSnapshot("counter", "a");
  assert.deepEqual(snapshot?.recent[0].events, [
    { type: "counter.added", v: 2, data: { amount: 5 } },
  ]);
  assert.equal(await log.loadSnapshot("counter", "none"), null);
});

Deno.test("upcasting log: a version newer than known fails readStream, and reaches only its projection through readFeed", async () => {
  const inner = await oldLog();
  await inner.append(append("a", 2, [
    { type: "counter.added", v: 3, data: { amount: 1, unit: "kr" } },
  ]));
  await inner.append(append("b", 1, [
    { type: "counter.reset", v: 1, data: null },
  ]));
  const log = new UpcastingEventLog(inner, upcasters);
  await assert.rejects(
    log.readStream("counter", "a", 0),
    (error) =>
      error instanceof EventVersionError &&
      /counter.added v3 is newer than this code knows \(v2\)/.test(
        error.message,
      ) && error.commit?.position === 4,
  );
  const feed = await log.readFeed(0, 10);
  assert.equal(feed.length, 5);
  assert.equal(feed[3].events[0].v, 3);

  const fixture = SQL_FIXTURES[0]();
  const store = await fixture.open();
  const projection = (name: string, types: string[]): Projection => ({
    name,
    eventTypes: types,
    tables: [name],
    migrations: [{
      version: 1,
      name: "create",
      sql: `CREATE TABLE ${name} (position bigint PRIMARY KEY)`,
    }],
    async apply(commits, tx) {
      for (const c of commits) {
        for (const e of c.events) assertCurrentVersion(VERSIONS, e);
        await tx.query(`INSERT INTO ${name} VALUES ($1)`, [c.position]);
      }
    },
  });
  const engine = new ProjectionEngine({
    store,
    log,
    projections: [
      projection("adds", ["counter.added"]),
      projection("resets", ["counter.reset"]),
    ],
    pollIntervalMs: 20,
  });
  try {
    await engine.start();
    await engine.waitFor(5, { projections: ["resets"] });
    const deadline = Date.now() + 5000;
    let adds = engine.status().find((s) => s.name === "adds")!;
    while (adds.state !== ProjectionStates.failed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      adds = engine.status().find((s) => s.name === "adds")!;
    }
    assert.equal(adds.state, ProjectionStates.failed);
    assert.equal(adds.failure?.position, 4);
    assert.match(adds.failure?.error ?? "", /v3 is newer than this code/);
    assert.deepEqual(
      await store.query("SELECT position FROM adds ORDER BY position"),
      [{ position: 1 }, { position: 3 }],
    );
  } finally {
    await engine.stop();
    await fixture.cleanup();
  }
});
