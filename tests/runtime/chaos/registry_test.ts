import assert from "node:assert/strict";
import {
  blastRadius,
  ChaosAgent,
  FaultKinds,
  FaultRegistry,
  inPercent,
  LocalChaosControl,
  selects,
} from "../../../runtime/chaos/mod.ts";
import type { FaultChange } from "../../../runtime/chaos/mod.ts";
import { shardOf } from "../../../runtime/cluster/mod.ts";
import { delay } from "../../../runtime/core/mod.ts";

function registry(node = "n1") {
  return new FaultRegistry({
    node,
    shardOf: (type, id) => shardOf(type, id, 64),
  });
}

Deno.test("registry: a fault is held until its duration ends, then expires by itself", async () => {
  const r = registry();
  const changes: FaultChange[] = [];
  r.subscribe((c) => changes.push(c));
  try {
    assert.equal(r.seams.log.armed, false);
    const fault = r.activate({
      id: "f1",
      kind: FaultKinds.logOutage,
      durationMs: 80,
    });
    assert.ok(fault);
    assert.equal(r.seams.log.armed, true);
    assert.equal(r.seams.actor.armed, false, "only the log seam is armed");
    assert.deepEqual(r.active().map((f) => f.id), ["f1"]);
    assert.equal(r.counts().log_outage, 1);
    await delay(200);
    assert.equal(r.seams.log.armed, false);
    assert.deepEqual(r.active(), []);
    assert.deepEqual(
      changes.map((c) =>
        c.type === "cleared" ? `${c.type}:${c.reason}` : c.type
      ),
      ["activated", "cleared:expired"],
    );
  } finally {
    r.close();
  }
});

Deno.test("registry: every fault needs a positive duration within the maximum; parameters are checked and defaulted", () => {
  const r = new FaultRegistry({ node: "n1", maxDurationMs: 60_000 });
  try {
    assert.throws(
      () => r.activate({ id: "a", kind: FaultKinds.logLatency, durationMs: 0 }),
      /positive duration/,
    );
    assert.throws(
      () =>
        r.activate({
          id: "a",
          kind: FaultKinds.logLatency,
          durationMs: 61_000,
        }),
      /at most 60 s/,
    );
    assert.throws(
      () =>
        r.activate({
          id: "a",
          kind: "log_bonanza" as never,
          durationMs: 1000,
        }),
      /Unknown fault kind/,
    );
    assert.throws(
      () =>
        r.activate({
          id: "a",
          kind: FaultKinds.logLatency,
          durationMs: 1000,
          params: { latencyMs: -5 },
        }),
      /latencyMs must be from 1/,
    );
    assert.throws(
      () =>
        r.activate({
          id: "a",
          kind: FaultKinds.logLatency,
          durationMs: 1000,
          params: { jitter: 5 },
        }),
      /takes no parameter jitter/,
    );
    assert.throws(
      () =>
        r.activate({
          id: "a",
          kind: FaultKinds.logLatency,
          durationMs: 1000,
          selector: { percent: 0 },
        }),
      /percent/,
    );
    const fault = r.activate({
      id: "ok",
      kind: FaultKinds.actorCrash,
      durationMs: 1000,
    })!;
    assert.deepEqual(fault.params, { rate: 0.5, phase: "append" });
  } finally {
    r.close();
  }
});

Deno.test("registry: a fault whose selector names other nodes is not held here", () => {
  const r = registry("n1");
  try {
    assert.equal(
      r.activate({
        id: "x",
        kind: FaultKinds.logOutage,
        durationMs: 1000,
        selector: { nodes: ["n2"] },
      }),
      null,
    );
    assert.equal(r.seams.log.armed, false);
    assert.ok(
      r.activate({
        id: "y",
        kind: FaultKinds.logOutage,
        durationMs: 1000,
        selector: { nodes: ["n2", "n1"] },
      }),
    );
  } finally {
    r.close();
  }
});

Deno.test("registry: clearAll stops every fault, or one experiment's", () => {
  const r = registry();
  try {
    r.activate({ id: "a", kind: FaultKinds.logLatency, durationMs: 5000 });
    r.activate({
      id: "b",
      kind: FaultKinds.mailboxDelay,
      durationMs: 5000,
      experimentId: "e1",
    });
    assert.deepEqual(r.clearAll("rolled_back", "e1").map((f) => f.id), ["b"]);
    assert.equal(r.seams.actor.armed, false);
    assert.equal(r.seams.log.armed, true);
    assert.deepEqual(r.clearAll().map((f) => f.id), ["a"]);
    assert.equal(r.seams.log.armed, false);
  } finally {
    r.close();
  }
});

Deno.test("selectors: percent picks the same actors for the whole fault, about the share asked, and another set for another fault", () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `id-${i}`);
  const picked = ids.filter((id) => inPercent("fault-a", `bedrift:${id}`, 20));
  assert.ok(
    picked.length > 320 && picked.length < 480,
    `${picked.length} of 2000 at 20 %`,
  );
  const again = ids.filter((id) => inPercent("fault-a", `bedrift:${id}`, 20));
  assert.deepEqual(again, picked, "stable for one fault");
  const other = ids.filter((id) => inPercent("fault-b", `bedrift:${id}`, 20));
  assert.notDeepEqual(other, picked, "another fault picks others");
  assert.ok(ids.every((id) => inPercent("f", id, 100)));
});

Deno.test("selectors: aggregate types, shards and projections narrow a fault; a narrowed fault never reaches a call of no actor", () => {
  const r = registry();
  try {
    const byType = r.activate({
      id: "t",
      kind: FaultKinds.logLatency,
      durationMs: 1000,
      selector: { aggregateTypes: ["invoice"] },
    })!;
    const of = (type: string, id: string) => shardOf(type, id, 64);
    assert.ok(selects(byType, { type: "invoice", id: "1" }, of));
    assert.ok(!selects(byType, { type: "bedrift", id: "1" }, of));
    assert.ok(!selects(byType, {}, of), "a feed read is not an invoice's");
    const shard = shardOf("bedrift", "42", 64);
    const byShard = r.activate({
      id: "s",
      kind: FaultKinds.logLatency,
      durationMs: 1000,
      selector: { shards: [shard] },
    })!;
    assert.ok(selects(byShard, { type: "bedrift", id: "42" }, of));
    const other = ["1", "2", "3", "4", "5"].find((id) =>
      shardOf("bedrift", id, 64) !== shard
    )!;
    assert.ok(!selects(byShard, { type: "bedrift", id: other }, of));
    const pause = r.activate({
      id: "p",
      kind: FaultKinds.projectionPause,
      durationMs: 1000,
      selector: { projections: ["invoices"] },
    })!;
    assert.ok(selects(pause, { projection: "invoices" }));
    assert.ok(!selects(pause, { projection: "bedrifter" }));
    const all = r.activate({
      id: "all",
      kind: FaultKinds.logOutage,
      durationMs: 1000,
    })!;
    assert.ok(selects(all, {}), "an unnarrowed fault reaches everything");
  } finally {
    r.close();
  }
});

Deno.test("blast radius: share of live nodes × percent × shards; process faults count nodes only", () => {
  const live = ["n1", "n2", "n3", "n4"];
  assert.equal(blastRadius({ kind: FaultKinds.logOutage }, live), 1);
  assert.equal(
    blastRadius(
      { kind: FaultKinds.logOutage, selector: { nodes: ["n1"] } },
      live,
    ),
    0.25,
  );
  assert.equal(
    blastRadius({
      kind: FaultKinds.logLatency,
      selector: { nodes: ["n1", "n2"], percent: 20 },
    }, live),
    0.1,
  );
  assert.equal(
    blastRadius({
      kind: FaultKinds.actorCrash,
      selector: { shards: [1, 2, 3, 4, 5, 6, 7, 8] },
    }, live),
    0.125,
  );
  assert.equal(
    blastRadius(
      { kind: FaultKinds.cpuStress, selector: { percent: 10 } },
      live,
    ),
    1,
    "percent does not narrow a process fault",
  );
  assert.equal(
    blastRadius({ kind: FaultKinds.logError, selector: { percent: 20 } }, [
      "n1",
    ]),
    0.2,
  );
});

Deno.test("agent: the emergency stop clears every fault, aborts the experiments and is remembered once", async () => {
  const r = registry();
  const agent = new ChaosAgent(r);
  const aborted: (string | null)[] = [];
  agent.hooks = {
    experiments: () => [],
    abort: (id) => {
      aborted.push(id);
      return true;
    },
  };
  const control = new LocalChaosControl(agent);
  try {
    await control.broadcast({
      op: "inject",
      order: { id: "a", kind: FaultKinds.logOutage, durationMs: 60_000 },
    });
    await control.broadcast({
      op: "inject",
      order: { id: "b", kind: FaultKinds.mailboxDelay, durationMs: 60_000 },
    });
    const stop = { id: "s1", by: "u1", at: new Date().toISOString() };
    const first = await control.broadcast({ op: "stop", stop });
    assert.deepEqual(first.replies.map((r) => [r.node, r.cleared]), [[
      "n1",
      2,
    ]]);
    assert.deepEqual(r.active(), []);
    assert.equal(r.seams.log.armed, false);
    assert.deepEqual(aborted, [null]);
    assert.equal(agent.lastStop?.id, "s1");
    assert.equal(agent.lastStop?.cleared, 2);
    const again = await control.broadcast({ op: "stop", stop });
    assert.equal(again.replies[0].cleared, 0, "the same stop acts once");
    const bad = await control.broadcast({
      op: "inject",
      order: { id: "c", kind: FaultKinds.logOutage, durationMs: -1 },
    });
    assert.equal(bad.replies[0].held, false);
    assert.match(bad.replies[0].error ?? "", /positive duration/);
  } finally {
    r.close();
  }
});
