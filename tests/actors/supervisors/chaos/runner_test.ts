/**
 * The chaos supervisor on one in-memory node: the run order of an
 * experiment, abort on deviation with rollback, the maximum duration, the
 * hypothesis before, stop and emergency stop, one experiment per target,
 * and a run that records itself once the log it broke is back.
 */
import assert from "node:assert/strict";
import { registerActors, withDomainUpcasters } from "../../../../actors/mod.ts";
import {
  CHAOS_SAFETY,
  CHAOS_SAFETY_STREAM,
  ChaosSupervisor,
} from "../../../../actors/supervisors/chaos/mod.ts";
import type {
  ExperimentDefinition,
  MethodFault,
  Probe,
  ProbeSource,
} from "../../../../actors/supervisors/chaos/mod.ts";
import { ActorSystem } from "../../../../runtime/actor/mod.ts";
import {
  ChaosAgent,
  ChaosEventLog,
  FaultRegistry,
  LocalChaosControl,
} from "../../../../runtime/chaos/mod.ts";
import { delay, DomainError } from "../../../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../../../runtime/log/memory/mod.ts";

/** Probes whose measures a test sets; every call is counted per probe. */
class ScriptedProbes implements ProbeSource {
  calls = new Map<string, number>();
  constructor(
    readonly value: (probe: Probe, call: number) => number | null = () => 0,
  ) {}
  measure(probe: Probe): Promise<number | null> {
    const n = (this.calls.get(probe.name) ?? 0) + 1;
    this.calls.set(probe.name, n);
    return Promise.resolve(this.value(probe, n));
  }
}

function world(
  probes: ProbeSource = new ScriptedProbes(),
  settings = { maxDurationS: 60, blastRadiusLimit: 0.25 },
) {
  const registry = new FaultRegistry({ node: "n1" });
  const inner = new MemoryEventLog();
  const log = withDomainUpcasters(new ChaosEventLog(inner, registry));
  const system = registerActors(
    new ActorSystem({
      log,
      faults: registry.seams.actor,
      restartBaseDelayMs: 1,
      parkMs: 50,
    }),
  );
  const control = new LocalChaosControl(new ChaosAgent(registry));
  const supervisor = new ChaosSupervisor({
    control,
    client: system,
    log,
    probes,
    settings: { enabled: true, ...settings },
    tickMs: 50,
  });
  const run = async (definition: ExperimentDefinition, force = false) => {
    const id = crypto.randomUUID();
    await supervisor.create(id, { definition, force, by: "admin" });
    await supervisor.start(id, "admin");
    return id;
  };
  const types = async (id: string) =>
    (await inner.readStream("chaos_experiment", id, 0)).flatMap((c) =>
      c.events.map((e) => e.type.replace("chaos.", ""))
    );
  return {
    registry,
    inner,
    system,
    supervisor,
    run,
    types,
    async close() {
      await supervisor.close();
      registry.close();
      await system.shutdown();
    },
  };
}

const ready: Probe = {
  name: "ready",
  type: "readiness",
  tolerance: 0,
  windowS: 5,
  phases: ["before", "during", "after"],
};

/** One fault of a method, starting at once. */
function fault(
  kind: MethodFault["kind"],
  durationS: number,
  over: Partial<MethodFault> = {},
): MethodFault {
  return { kind, selector: {}, params: {}, afterS: 0, durationS, ...over };
}

const delayFew = (durationS: number) =>
  fault("mailbox_delay", durationS, {
    selector: { percent: 10 },
    params: { delayMs: 5 },
  });

function experiment(
  over: Partial<ExperimentDefinition> = {},
): ExperimentDefinition {
  return {
    title: "test",
    description: null,
    hypothesis: { probes: [ready], recoveryS: 0 },
    method: [delayFew(0.3)],
    rollbacks: ["clear_faults"],
    autoRollback: true,
    maxDurationS: null,
    ...over,
  };
}

Deno.test("run order: hypothesis, inject, probe every tick, hypothesis again, roll back, completed", async () => {
  const w = world(new ScriptedProbes(() => 1));
  try {
    const id = await w.run(experiment());
    await delay(100);
    assert.equal(w.registry.active().length, 1, "the fault is held meanwhile");
    assert.equal(w.supervisor.running()[0].id, id);
    await w.supervisor.settled(id);
    assert.deepEqual(w.registry.active(), [], "nothing left after the run");
    const types = await w.types(id);
    assert.deepEqual(types.slice(0, 4), [
      "experiment_created",
      "experiment_started",
      "probe_checked",
      "fault_injected",
    ]);
    assert.ok(
      types.filter((t) => t === "probe_checked").length >= 3,
      "before, during (each tick) and after",
    );
    assert.deepEqual(types.slice(-3), [
      "probe_checked",
      "rolled_back",
      "completed",
    ]);
    const view = await w.supervisor.experiment(id);
    assert.equal(view?.state.outcome, "passed");
    assert.equal(view?.journal.status, "completed");
    assert.equal(view?.journal.steady_states.before?.steady_state_met, true);
    assert.equal(view?.journal.steady_states.after?.steady_state_met, true);
    assert.equal(view?.journal.run[0].activity.name, "mailbox_delay");
    assert.deepEqual(view?.journal.run[0].output.nodes, ["n1"]);
    assert.deepEqual(w.supervisor.running(), []);
  } finally {
    await w.close();
  }
});

Deno.test("abort on deviation: the first deviating probe aborts and rolls back at once", async () => {
  // Ready before and for two ticks, then not.
  const probes = new ScriptedProbes((_, call) => call <= 3 ? 1 : 0);
  const w = world(probes);
  try {
    const id = await w.run(experiment({
      method: [delayFew(30)],
    }));
    await w.supervisor.settled(id);
    assert.deepEqual(w.registry.active(), [], "rolled back long before 30 s");
    const types = await w.types(id);
    assert.deepEqual(types.slice(-4), [
      "deviated",
      "aborted",
      "rolled_back",
      "completed",
    ]);
    const view = await w.supervisor.experiment(id);
    assert.equal(view?.state.abortReason, "deviation");
    assert.equal(view?.state.outcome, "aborted");
    assert.equal(view?.journal.rollbacks?.faultsCleared, 1);
    assert.equal(view?.journal.deviated, true);
    assert.equal(probes.calls.get("ready"), 4, "no probe after the abort");
  } finally {
    await w.close();
  }
});

Deno.test("without autoRollback a deviation is recorded and the run goes on; the outcome is failed", async () => {
  const w = world(new ScriptedProbes((_, call) => call === 2 ? 0 : 1));
  try {
    const id = await w.run(experiment({ autoRollback: false }));
    await w.supervisor.settled(id);
    const view = await w.supervisor.experiment(id);
    assert.equal(view?.state.abortReason, null);
    assert.equal(view?.state.deviations, 1);
    assert.equal(view?.state.outcome, "failed");
  } finally {
    await w.close();
  }
});

Deno.test("maximum duration: a run that outlasts it aborts as max_duration and rolls back", async () => {
  // The after-phase never passes; recoveryS would wait 30 s, the maximum is 1 s.
  const lag: Probe = {
    name: "lag",
    type: "projection_lag",
    tolerance: 100,
    windowS: 5,
    phases: ["after"],
  };
  const w = world(new ScriptedProbes(() => 5000));
  try {
    const started = Date.now();
    const id = await w.run(experiment({
      hypothesis: { probes: [lag], recoveryS: 30 },
      maxDurationS: 1,
    }));
    await w.supervisor.settled(id);
    const took = Date.now() - started;
    assert.ok(took < 10_000, `ended after ${took} ms, not 30 s`);
    const view = await w.supervisor.experiment(id);
    assert.equal(view?.state.abortReason, "max_duration");
    assert.equal(view?.state.maxDurationS, 1);
    assert.equal(view?.state.outcome, "aborted");
  } finally {
    await w.close();
  }
});

Deno.test("hypothesis before: when the steady state does not hold, nothing is injected", async () => {
  const w = world(new ScriptedProbes(() => 0));
  try {
    const id = await w.run(experiment());
    await w.supervisor.settled(id);
    const types = await w.types(id);
    assert.ok(!types.includes("fault_injected"));
    const view = await w.supervisor.experiment(id);
    assert.equal(view?.state.abortReason, "hypothesis_not_met");
    assert.equal(view?.state.hypothesisBefore, false);
  } finally {
    await w.close();
  }
});

Deno.test("blast radius: an experiment above the limit is refused with 422 unless forced", async () => {
  const w = world(new ScriptedProbes(() => 1));
  try {
    const wide = experiment({
      method: [fault("log_latency", 0.2)],
    });
    await assert.rejects(
      w.supervisor.create("wide", { definition: wide, force: false, by: "a" }),
      (e: unknown) =>
        e instanceof DomainError && e.code === "chaos.blast_radius_exceeded" &&
        e.status === 422,
    );
    const result = await w.supervisor.create("wide", {
      definition: wide,
      force: true,
      by: "a",
    });
    assert.equal(result.state?.forced, true);
    assert.equal(result.state?.blastRadius, 1);
    await assert.rejects(
      w.supervisor.create("bad", {
        definition: experiment({
          method: [fault("log_latency", 1, { params: { latencyMs: 0 } })],
        }),
        force: true,
        by: "a",
      }),
      (e: unknown) =>
        e instanceof DomainError && e.code === "chaos.invalid_fault" &&
        /latencyMs/.test(e.message),
    );
  } finally {
    await w.close();
  }
});

Deno.test("one experiment per target: a second experiment on the same nodes is refused while the first runs; stop aborts it", async () => {
  const w = world(new ScriptedProbes(() => 1));
  try {
    const long = experiment({
      method: [delayFew(30)],
    });
    const first = await w.run(long);
    await w.supervisor.create("second", {
      definition: long,
      force: false,
      by: "a",
    });
    await assert.rejects(
      w.supervisor.start("second", "a"),
      (e: unknown) =>
        e instanceof DomainError && e.code === "chaos.target_busy",
    );
    const state = await w.supervisor.stop(first, "operator-1");
    assert.equal(state?.abortReason, "stopped");
    assert.equal(state?.status, "completed");
    assert.deepEqual(w.registry.active(), []);
    await w.supervisor.start("second", "a");
  } finally {
    await w.close();
  }
});

Deno.test("emergency stop while the log is in outage: faults clear at once, the run aborts, and both are recorded once the log is back", async () => {
  const w = world(new ScriptedProbes(() => 1));
  try {
    const id = await w.run(
      experiment({
        hypothesis: { probes: [], recoveryS: 0 },
        method: [fault("log_outage", 30)],
      }),
      true,
    );
    // The outage is on: the log refuses every call.
    const outage = Date.now() + 5000;
    while (w.registry.active().length === 0 && Date.now() < outage) {
      await delay(10);
    }
    await assert.rejects(
      w.inner.headPosition().then(() => w.system.log.headPosition()),
    );
    const report = await w.supervisor.emergencyStop("admin-9");
    assert.deepEqual(report.nodes.map((n) => [n.node, n.cleared]), [["n1", 1]]);
    assert.deepEqual(report.missing, []);
    assert.deepEqual(w.registry.active(), []);
    await w.supervisor.settled(id);
    const view = await w.supervisor.experiment(id);
    assert.equal(view?.state.abortReason, "emergency_stop");
    assert.equal(view?.state.outcome, "aborted");
    const safety = await w.inner.readStream(
      CHAOS_SAFETY,
      CHAOS_SAFETY_STREAM,
      0,
    );
    const stop = safety.flatMap((c) => c.events).find((e) =>
      e.type === "chaos.emergency_stopped"
    );
    assert.ok(stop, "the stop is in the log");
    assert.equal((stop.data as { by: string }).by, "admin-9");
    const status = await w.supervisor.status();
    assert.equal(status.lastStop?.id, report.stopId);
    assert.deepEqual(status.nodes[0].faults, []);
  } finally {
    await w.close();
  }
});

Deno.test("stop of an experiment whose node is gone: aborted, rolled back and completed from here", async () => {
  const w = world();
  try {
    await w.supervisor.create("orphan", {
      definition: experiment(),
      force: false,
      by: "a",
    });
    // Started by a node that died before it ran anything.
    await w.system.ask("chaos_experiment", "orphan", {
      type: "start",
      node: "gone",
      targets: "all",
      by: "a",
      at: new Date().toISOString(),
    });
    const state = await w.supervisor.stop("orphan", "operator-1");
    assert.equal(state?.status, "completed");
    assert.equal(state?.abortReason, "node_stopped");
    assert.equal(state?.outcome, "aborted");
    assert.deepEqual((await w.types("orphan")).slice(-3), [
      "aborted",
      "rolled_back",
      "completed",
    ]);
  } finally {
    await w.close();
  }
});
