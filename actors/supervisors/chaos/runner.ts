/**
 * One experiment's run, in the Chaos Toolkit's order: the steady-state
 * hypothesis (before) → the method's faults, injected on every node they
 * select, with the hypothesis probed every tick (during) → the hypothesis
 * again (after, retried up to `recoveryS`) → rollbacks → completed. A
 * deviation with `autoRollback`, the maximum duration, a stop or an
 * emergency stop abort it and roll back at once. The run works from memory
 * and queues its events with the recorder, so it goes on while the log is
 * the thing failing.
 */
import { delay } from "../../../runtime/core/mod.ts";
import { ClearReasons } from "../../../runtime/chaos/mod.ts";
import type { ChaosControl } from "../../../runtime/chaos/mod.ts";
import { methodDurationS } from "./decider.ts";
import { checkProbes } from "./probes.ts";
import type { ProbeSource } from "./probes.ts";
import type { ChaosRecorder } from "./recorder.ts";
import {
  AbortReasons,
  CHAOS_EXPERIMENT,
  ProbePhases,
  RollbackTypes,
} from "./types.ts";
import type {
  AbortReason,
  Experiment,
  ExperimentCommand,
  MethodFault,
  ProbePhase,
  ProbeResult,
} from "./types.ts";

/** What a run needs of its node. */
export interface RunContext {
  control: ChaosControl;
  recorder: ChaosRecorder;
  probes: ProbeSource;
  /** Milliseconds between probes while the method runs (1000). */
  tickMs: number;
}

/** The nodes an experiment's faults reach (`all` when one names none). */
export function targetsOf(method: readonly MethodFault[]): string[] | "all" {
  const nodes = new Set<string>();
  for (const fault of method) {
    if (!fault.selector.nodes) return "all";
    for (const node of fault.selector.nodes) nodes.add(node);
  }
  return [...nodes].sort();
}

/** True when two experiments' targets share a node. */
export function targetsOverlap(
  a: string[] | "all",
  b: string[] | "all",
): boolean {
  if (a === "all" || b === "all") return true;
  return a.some((node) => b.includes(node));
}

/** A running experiment, and how to stop it. */
export class ExperimentRun {
  readonly id: string;
  readonly experiment: Experiment;
  readonly done: Promise<void>;
  readonly #ctx: RunContext;
  readonly #wake = new AbortController();
  #aborted: { reason: AbortReason; by: string; detail: string | null } | null =
    null;
  #seq = 0;

  constructor(ctx: RunContext, id: string, experiment: Experiment) {
    this.#ctx = ctx;
    this.id = id;
    this.experiment = experiment;
    this.done = this.#run().catch((error) => {
      console.error(`Chaos experiment ${id} failed to run:`, error);
    });
  }

  /** Aborts the run (it rolls back at once); the first reason counts. */
  abort(reason: AbortReason, by: string, detail: string | null = null): void {
    if (this.#aborted) return;
    this.#aborted = { reason, by, detail };
    this.#record(
      { type: "abort", reason, detail, by, at: now() },
      "abort",
    );
    this.#wake.abort();
  }

  get aborted(): boolean {
    return this.#aborted !== null;
  }

  async #run(): Promise<void> {
    const { definition } = this.experiment;
    const deadline = Date.parse(this.experiment.startedAt!) +
      this.experiment.maxDurationS * 1000;
    const before = await this.#probe(ProbePhases.before);
    if (before.some((r) => !r.ok)) {
      for (const r of before.filter((r) => !r.ok)) {
        this.#deviate(ProbePhases.before, r);
      }
      this.abort(
        AbortReasons.hypothesisNotMet,
        "supervisor",
        failing(before),
      );
    } else {
      await this.#method(deadline);
      if (!this.#aborted) {
        // The faults end with the method, whatever a node's timer says.
        await this.#clear(ClearReasons.expired);
        await this.#after(deadline);
      }
    }
    const cleared = await this.#clear(ClearReasons.rolledBack);
    const actions = [
      ...new Set([
        RollbackTypes.clearFaults,
        ...definition.rollbacks,
      ]),
    ];
    if (actions.includes(RollbackTypes.emergencyStop)) {
      await this.#ctx.control.broadcast({
        op: "stop",
        stop: { id: `rollback-${this.id}`, by: "supervisor", at: now() },
      }, 1000);
    }
    this.#record(
      { type: "roll_back", actions, faultsCleared: cleared, at: now() },
      "roll_back",
    );
    this.#record({ type: "complete", at: now() }, "complete");
  }

  async #method(deadline: number): Promise<void> {
    const { definition } = this.experiment;
    const start = Date.now();
    const end = start + methodDurationS(definition) * 1000;
    const due = definition.method.map((fault, i) => ({
      fault,
      i,
      at: start + fault.afterS * 1000,
      injected: false,
    }));
    while (!this.#aborted) {
      for (const d of due) {
        if (d.injected || Date.now() < d.at || this.#aborted) continue;
        d.injected = true;
        await this.#inject(d.fault, d.i);
      }
      if (this.#aborted) return;
      if (Date.now() >= deadline) {
        return this.abort(AbortReasons.maxDuration, "supervisor");
      }
      if (Date.now() >= end) return;
      const next = Math.min(
        end,
        ...due.filter((d) => !d.injected).map((d) => d.at),
        Date.now() + this.#ctx.tickMs,
      );
      await this.#sleep(next - Date.now());
      if (this.#aborted || Date.now() >= end) continue;
      const during = await this.#probe(ProbePhases.during);
      const deviated = during.filter((r) => !r.ok);
      for (const result of deviated) this.#deviate(ProbePhases.during, result);
      if (deviated.length > 0 && definition.autoRollback) {
        this.abort(AbortReasons.deviation, "supervisor", failing(during));
      }
    }
  }

  async #after(deadline: number): Promise<void> {
    const { hypothesis } = this.experiment.definition;
    const until = Date.now() + hypothesis.recoveryS * 1000;
    for (;;) {
      const results = await checkProbes(
        this.#ctx.probes,
        this.#phase(ProbePhases.after),
      );
      const ok = results.every((r) => r.ok);
      if (ok || Date.now() >= until) {
        this.#record({
          type: "record_probe",
          phase: ProbePhases.after,
          results,
          at: now(),
        }, "probe-after");
        for (const r of results.filter((r) => !r.ok)) {
          this.#deviate(ProbePhases.after, r);
        }
        return;
      }
      if (Date.now() >= deadline) {
        return this.abort(AbortReasons.maxDuration, "supervisor");
      }
      await this.#sleep(this.#ctx.tickMs);
      if (this.#aborted) return;
    }
  }

  async #inject(fault: MethodFault, index: number): Promise<void> {
    const faultId = `${this.id}-${index}`;
    const end = Date.now() + fault.durationS * 1000;
    let replies, missing;
    let nodes: string[];
    for (;;) {
      ({ replies, missing } = await this.#ctx.control.broadcast({
        op: "inject",
        order: {
          id: faultId,
          kind: fault.kind,
          selector: fault.selector,
          params: fault.params,
          // Within the fault's window, however late it lands.
          durationMs: Math.max(1, end - Date.now()),
          experimentId: this.id,
        },
      }));
      nodes = replies.filter((r) => r.held).map((r) => r.node);
      // A node the fault names may not have answered yet (NATS reconnecting):
      // ask again while the fault's window lasts.
      if (
        nodes.length > 0 || missing.length === 0 || this.#aborted ||
        Date.now() + this.#ctx.tickMs >= end
      ) break;
      await this.#sleep(this.#ctx.tickMs);
    }
    this.#record({
      type: "record_fault",
      faultId,
      fault,
      nodes,
      missing,
      at: now(),
    }, `fault-${index}`);
    if (nodes.length === 0) {
      const errors = replies.map((r) => r.error).filter(Boolean);
      this.abort(
        AbortReasons.injectionFailed,
        "supervisor",
        errors[0] ?? `no node holds fault ${faultId}`,
      );
    }
  }

  /** Clears this experiment's faults on every node; how many were cleared. */
  async #clear(reason: typeof ClearReasons[keyof typeof ClearReasons]) {
    const { replies } = await this.#ctx.control.broadcast({
      op: "clear",
      experimentId: this.id,
      reason,
    });
    return replies.reduce((n, r) => n + (r.cleared ?? 0), 0);
  }

  #phase(phase: ProbePhase) {
    return this.experiment.definition.hypothesis.probes.filter((p) =>
      p.phases.includes(phase)
    );
  }

  async #probe(phase: ProbePhase): Promise<ProbeResult[]> {
    const results = await checkProbes(this.#ctx.probes, this.#phase(phase));
    this.#record(
      { type: "record_probe", phase, results, at: now() },
      `probe-${phase}-${this.#seq++}`,
    );
    return results;
  }

  #deviate(phase: ProbePhase, result: ProbeResult): void {
    this.#record(
      { type: "deviate", phase, result, at: now() },
      `deviate-${phase}-${this.#seq++}`,
    );
  }

  #record(command: ExperimentCommand, key: string): void {
    void this.#ctx.recorder.record(
      CHAOS_EXPERIMENT,
      this.id,
      command,
      `chaos.${this.id}.${key}`,
    );
  }

  async #sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    await delay(ms, { signal: this.#wake.signal }).catch(() => {});
  }
}

function now(): string {
  return new Date().toISOString();
}

function failing(results: readonly ProbeResult[]): string {
  return results.filter((r) => !r.ok).map((r) =>
    `${r.probe}: ${r.value ?? "unmeasured"} (tolerance ${r.tolerance})`
  ).join("; ");
}
