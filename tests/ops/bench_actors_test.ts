/**
 * The `actors` bench section's helpers, and the section end to end on tiny
 * sizes: every row is there and consistent. No figure is judged.
 */
import assert from "node:assert/strict";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import {
  COUNTER,
  DiscardEventLog,
  spread,
  withoutSnapshots,
} from "../../ops/bench_actors_support.ts";
import { median, percentile } from "../../ops/stats.ts";
import { benchActors } from "../../ops/bench_actors.ts";

Deno.test("median, percentile and spread", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 3);
  assert.throws(() => median([]), RangeError);
  assert.equal(percentile([1, 2, 3, 4], 0.5), 3);
  assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
  assert.equal(percentile([], 0.99), 0);
  assert.deepEqual(spread([100, 110, 105]), {
    min: 100,
    max: 110,
    spread: 0.1,
  });
  assert.deepEqual(spread([7]), { min: 7, max: 7, spread: 0 });
  assert.throws(() => spread([]), RangeError);
});

Deno.test("a discarding log accepts every append and remembers no stream", async () => {
  const system = new ActorSystem({ log: new DiscardEventLog() }).register(
    COUNTER,
  );
  const first = await system.ask(COUNTER.type, "a", { by: 2 });
  const second = await system.ask(COUNTER.type, "a", { by: 3 });
  assert.deepEqual([first.version, second.version], [1, 2]);
  assert.equal(second.state, 5);
  assert.ok(system.passivate(COUNTER.type, "a"));
  // Nothing was kept: reactivated, the actor starts over.
  assert.equal((await system.read(COUNTER.type, "a")).version, 0);
  await system.shutdown();
});

Deno.test("without snapshots the same stream activates by replay, to the same state", async () => {
  const log = new MemoryEventLog();
  const writer = new ActorSystem({ log, snapshotEvery: 2 }).register(COUNTER);
  for (let i = 0; i < 5; i++) await writer.ask(COUNTER.type, "a", { by: 1 });
  await writer.shutdown();
  assert.equal((await log.loadSnapshot(COUNTER.type, "a"))?.version, 4);
  const hidden = withoutSnapshots(log);
  assert.equal(await hidden.loadSnapshot(COUNTER.type, "a"), null);
  await hidden.saveSnapshot(COUNTER.type, "a", {
    version: 5,
    position: 5,
    stateVersion: 1,
    state: 99,
    recent: [],
  });
  assert.equal((await log.loadSnapshot(COUNTER.type, "a"))?.version, 4);
  const replaying = new ActorSystem({ log: hidden }).register(COUNTER);
  const { version, state } = await replaying.read(COUNTER.type, "a");
  assert.deepEqual({ version, state }, { version: 5, state: 5 });
  await replaying.shutdown();
});

Deno.test("bench actors: every row, on tiny sizes", async () => {
  const rows = await benchActors({
    rounds: 1,
    loopMs: 20,
    commits: 150,
    actors: 500,
    touched: 3000,
    maxActive: 200,
  });
  const named = (part: string) => {
    const row = rows.find((r) => r.name.includes(part));
    assert.ok(row, `no row ${part}: ${rows.map((r) => r.name).join("; ")}`);
    return row;
  };
  assert.ok(
    rows.every((r) => r.section === "actors" && Number.isFinite(r.value)),
  );
  assert.equal(named("bare `await fn()`").ratio, "1.00×");
  assert.equal(named("ask to an active actor").target, "≥ 0.25× bare await");
  assert.match(named("from its snapshot, Deno KV").ratio!, /× faster$/);
  assert.equal(
    named("from its snapshot, Deno KV").target,
    "≥ 20× faster than replay",
  );
  const heap = named("heap per small active actor");
  assert.match(heap.name, /\(500 active/);
  assert.ok(heap.value > 0);
  assert.match(named("distinct actors are touched").name, /3000 distinct/);
  const flat = named("spread (max − min) / min");
  assert.ok(flat.value >= 0 && flat.met !== undefined);
});
