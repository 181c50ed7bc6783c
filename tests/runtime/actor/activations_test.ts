/**
 * The recency list of `Activations` against a plain model of LRU order:
 * whatever the mix of uses, passivations, parks and busy actors, the active
 * set is the model's and the least recently used idle actors go first.
 */
import assert from "node:assert/strict";
import { Activations, actorKey } from "../../../runtime/actor/activations.ts";
import type { Activation } from "../../../runtime/actor/activations.ts";
import type { AnyDefinition } from "../../../runtime/actor/state.ts";

const DEF = {
  type: "counter",
  decider: { initialState: 0, decide: () => [], evolve: (s: number) => s },
} as unknown as AnyDefinition;

function use(actors: Activations, id: string): Activation {
  const activation = actors.activate(
    actorKey("counter", id),
    "counter",
    id,
    DEF,
  );
  activation.loaded = true;
  activation.version = 1;
  return activation;
}

/** xorshift32: the same sequence of operations on every run. */
function random(seed: number): (below: number) => number {
  let x = seed;
  return (below) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
}

Deno.test("activations: least recently used idle actors are evicted first, as a model LRU says", () => {
  const max = 20;
  const actors = new Activations(max);
  /** Ids, least recently used first. */
  let model: string[] = [];
  const busy = new Set<string>();
  const next = random(0x9e3779b9);
  for (let step = 0; step < 20_000; step++) {
    const id = `a${next(60)}`;
    const op = next(10);
    if (op < 7) {
      const activation = use(actors, id);
      activation.running = busy.has(id);
      model = [...model.filter((m) => m !== id), id];
      for (const old of [...model]) {
        if (model.length <= max) break;
        if (!busy.has(old)) model = model.filter((m) => m !== old);
      }
    } else if (op === 7) {
      // Passivated once idle.
      const activation = actors.get(actorKey("counter", id));
      if (activation && !busy.has(id)) {
        activation.retire = true;
        actors.settle(activation);
        model = model.filter((m) => m !== id);
      }
    } else if (op === 8) {
      const activation = actors.get(actorKey("counter", id));
      if (activation) {
        actors.park(activation, 0, new Error("down"));
        model = model.filter((m) => m !== id);
        busy.delete(id);
      }
    } else {
      const activation = actors.get(actorKey("counter", id));
      if (busy.has(id)) busy.delete(id);
      else if (model.length < max) busy.add(id);
      if (activation) activation.running = busy.has(id);
    }
    assert.deepEqual(
      [...actors.values()].map((a) => a.id).sort(),
      [...model].sort(),
      `step ${step}`,
    );
  }
});

Deno.test("activations: the sweep passivates only idle actors unused since the cutoff, and clear empties the list", () => {
  const actors = new Activations(100);
  const old = use(actors, "old");
  const busy = use(actors, "busy");
  use(actors, "fresh");
  old.lastUsed = busy.lastUsed = 0;
  busy.running = true;
  actors.sweep(1);
  assert.deepEqual([...actors.values()].map((a) => a.id).sort(), [
    "busy",
    "fresh",
  ]);
  actors.clear();
  assert.equal(actors.size, 0);
  // After a clear, the list starts over: a new maximum still evicts.
  const small = new Activations(1);
  use(small, "x");
  use(small, "y");
  assert.deepEqual([...small.values()].map((a) => a.id), ["y"]);
});
