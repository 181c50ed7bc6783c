/**
 * The chaos supervisor of one node: ad hoc faults, experiments (created,
 * started, stopped, read with their journal), the cluster-wide emergency
 * stop and the safety status. The rules live in the actors; this flow adds
 * what needs the node — the live nodes for the blast radius, the one
 * experiment per target, the control plane and the runs.
 */
import {
  blastRadius,
  checkFaultSpec,
  ClearReasons,
} from "../../../runtime/chaos/mod.ts";
import type {
  ChaosControl,
  FaultParams,
  LastStop,
  NodeChaosStatus,
  RunningExperiment,
} from "../../../runtime/chaos/mod.ts";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import type { EventLog } from "../../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../../runtime/actor/mod.ts";
import { experimentDecider } from "./decider.ts";
import { journalOf } from "./journal.ts";
import type { Journal } from "./journal.ts";
import type { ProbeSource } from "./probes.ts";
import { ChaosRecorder } from "./recorder.ts";
import { ExperimentRun, targetsOf, targetsOverlap } from "./runner.ts";
import {
  AbortReasons,
  CHAOS_EXPERIMENT,
  CHAOS_SAFETY,
  CHAOS_SAFETY_STREAM,
  ChaosErrorCode,
  ExperimentStatus,
  RollbackTypes,
} from "./types.ts";
import type {
  AbortReason,
  Experiment,
  ExperimentDefinition,
  ExperimentState,
  MethodFault,
  StopConfirmation,
} from "./types.ts";
import type { ExperimentEvent } from "./events.ts";

/** The safety settings of a node (`TMS_CHAOS*`). */
export interface ChaosSettings {
  /** `TMS_CHAOS=on`: the supervisor API and control plane answer. */
  enabled: boolean;
  /** `maxExperimentDuration` (`TMS_CHAOS_MAX_DURATION_S`, 1800). */
  maxDurationS: number;
  /** `blastRadiusLimit` as a share (`TMS_CHAOS_BLAST_RADIUS_LIMIT`, 25 %). */
  blastRadiusLimit: number;
}

/** The defaults of the seeds: 30 minutes, 25 %. */
export const DEFAULT_CHAOS_SETTINGS: ChaosSettings = {
  enabled: false,
  maxDurationS: 1800,
  blastRadiusLimit: 0.25,
};

/** What the supervisor needs of its node. */
export interface ChaosSupervisorOptions {
  control: ChaosControl;
  /** Where the chaos actors are asked (the cluster router in a cluster). */
  client: ActorClient;
  /** The log the journals are read from (upcasting). */
  log: EventLog;
  probes: ProbeSource;
  settings: ChaosSettings;
  /** Shards of the cluster (for the blast radius of `selector.shards`). */
  shards?: number;
  /** Milliseconds between probes while a method runs (1000). */
  tickMs?: number;
}

/** What an ad hoc injection did. */
export interface AdhocReport {
  faultId: string;
  blastRadius: number;
  forced: boolean;
  expiresAt: string;
  /** Nodes that hold it. */
  nodes: string[];
  /** Live nodes that did not answer. */
  missing: string[];
}

/** What an emergency stop did. */
export interface StopReport {
  stopId: string;
  by: string;
  at: string;
  nodes: StopConfirmation[];
  missing: string[];
  /** Milliseconds until every node answered (or the wait ended). */
  durationMs: number;
}

/** Active faults per node, the running experiments and the last stop. */
export interface SafetyStatus {
  node: string;
  settings: ChaosSettings;
  nodes: NodeChaosStatus[];
  missing: string[];
  lastStop: LastStop | null;
}

/** An experiment with its state and journal. */
export interface ExperimentView {
  id: string;
  version: number;
  state: Experiment;
  journal: Journal;
}

/** The node's chaos supervisor. */
export class ChaosSupervisor {
  readonly settings: ChaosSettings;
  readonly control: ChaosControl;
  readonly recorder: ChaosRecorder;
  readonly #client: ActorClient;
  readonly #log: EventLog;
  readonly #probes: ProbeSource;
  readonly #shards: number;
  readonly #tickMs: number;
  readonly #runs = new Map<string, ExperimentRun>();

  constructor(options: ChaosSupervisorOptions) {
    this.settings = options.settings;
    this.control = options.control;
    this.#client = options.client;
    this.#log = options.log;
    this.#probes = options.probes;
    this.#shards = options.shards ?? 64;
    this.#tickMs = options.tickMs ?? 1000;
    this.recorder = new ChaosRecorder(options.client);
    options.control.agent.hooks = {
      experiments: () => this.running(),
      abort: (id, reason, by) => this.#abortHere(id, reason, by),
    };
  }

  /** This node's id. */
  get node(): string {
    return this.control.agent.node;
  }

  /**
   * Injects one fault now on every node it selects, for its duration, and
   * records it (once the log takes it). Refused (422) above the blast-radius
   * limit unless `force`.
   */
  async inject(
    input: { fault: MethodFault; force: boolean; by: string },
  ): Promise<AdhocReport> {
    const { fault, force, by } = input;
    const radius = this.#check([fault]);
    if (radius > this.settings.blastRadiusLimit && !force) {
      throw overLimit(radius, this.settings.blastRadiusLimit);
    }
    const faultId = `adhoc-${crypto.randomUUID()}`;
    const at = new Date();
    const { replies, missing } = await this.control.broadcast({
      op: "inject",
      order: {
        id: faultId,
        kind: fault.kind,
        selector: fault.selector,
        params: fault.params,
        durationMs: fault.durationS * 1000,
        experimentId: null,
      },
    });
    const nodes = replies.filter((r) => r.held).map((r) => r.node);
    void this.recorder.record(CHAOS_SAFETY, CHAOS_SAFETY_STREAM, {
      type: "record_adhoc",
      faultId,
      fault,
      blastRadius: radius,
      forced: force,
      nodes,
      missing,
      by,
      at: at.toISOString(),
    }, `chaos.adhoc.${faultId}`);
    return {
      faultId,
      blastRadius: radius,
      forced: force,
      expiresAt: new Date(at.getTime() + fault.durationS * 1000).toISOString(),
      nodes,
      missing,
    };
  }

  /** Creates an experiment (checked, not started). */
  async create(
    id: string,
    input: { definition: ExperimentDefinition; force: boolean; by: string },
    options: AskOptions = {},
  ): Promise<AskResult<ExperimentEvent, ExperimentState>> {
    const radius = this.#check(input.definition.method);
    return await this.#client.ask<ExperimentEvent, ExperimentState>(
      CHAOS_EXPERIMENT,
      id,
      {
        type: "create",
        definition: input.definition,
        blastRadius: radius,
        blastRadiusLimit: this.settings.blastRadiusLimit,
        force: input.force,
        maxDurationS: this.settings.maxDurationS,
        by: input.by,
        at: new Date().toISOString(),
      },
      options,
    );
  }

  /**
   * Starts an experiment on this node: refused (409) while another
   * experiment runs on one of its target nodes.
   */
  async start(
    id: string,
    by: string,
    options: AskOptions = {},
  ): Promise<AskResult<ExperimentEvent, ExperimentState>> {
    const read = await this.#client.read<ExperimentState>(
      CHAOS_EXPERIMENT,
      id,
      { principal: options.principal, signal: options.signal },
    );
    if (read.state === null) throw new NotFoundError("No such experiment");
    const targets = targetsOf(read.state.definition.method);
    const { replies } = await this.control.broadcast({ op: "status" });
    for (const reply of replies) {
      for (const other of reply.status?.experiments ?? []) {
        if (other.id !== id && targetsOverlap(targets, other.targets)) {
          throw new DomainError(
            ChaosErrorCode.TARGET_BUSY,
            `Experiment ${other.id} runs on ${reply.node} against the same targets`,
          );
        }
      }
    }
    const result = await this.#client.ask<ExperimentEvent, ExperimentState>(
      CHAOS_EXPERIMENT,
      id,
      { type: "start", node: this.node, targets, by, at: now() },
      { ...options, expectedVersion: read.version },
    );
    if (!result.duplicate && !this.#runs.has(id)) {
      const run = new ExperimentRun(
        {
          control: this.control,
          recorder: this.recorder,
          probes: this.#probes,
          tickMs: this.#tickMs,
        },
        id,
        result.state!,
      );
      this.#runs.set(id, run);
      void run.done.then(() => this.#runs.delete(id));
    }
    return result;
  }

  /**
   * Stops an experiment wherever it runs (it aborts and rolls back). One
   * left running by a node that is gone is aborted and rolled back from here.
   */
  async stop(id: string, by: string): Promise<ExperimentState> {
    const read = await this.#client.read<ExperimentState>(CHAOS_EXPERIMENT, id);
    if (read.state === null) throw new NotFoundError("No such experiment");
    if (read.state.status !== ExperimentStatus.RUNNING) {
      throw new DomainError(
        ChaosErrorCode.NOT_RUNNING,
        `The experiment is ${read.state.status}, not running`,
      );
    }
    const { replies } = await this.control.broadcast({
      op: "abort",
      experimentId: id,
      reason: AbortReasons.stopped,
      by,
    });
    if (replies.some((r) => r.aborted)) {
      await this.settled(id);
    } else {
      const cleared = (await this.control.broadcast({
        op: "clear",
        experimentId: id,
        reason: ClearReasons.rolledBack,
      })).replies.reduce((n, r) => n + (r.cleared ?? 0), 0);
      const at = now();
      const record = (command: unknown, key: string) =>
        this.recorder.record(
          CHAOS_EXPERIMENT,
          id,
          command,
          `chaos.${id}.${key}`,
        );
      void record({
        type: "abort",
        reason: AbortReasons.nodeStopped,
        detail: `stopped by ${by}: no node was running it`,
        by,
        at,
      }, "abort");
      void record({
        type: "roll_back",
        actions: [RollbackTypes.clearFaults],
        faultsCleared: cleared,
        at,
      }, "roll_back");
      await record({ type: "complete", at }, "complete");
    }
    return (await this.#client.read<ExperimentState>(CHAOS_EXPERIMENT, id))
      .state;
  }

  /** An experiment with its journal, read from the log; null when none. */
  async experiment(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ExperimentView | null> {
    const commits = await this.#log.readStream(CHAOS_EXPERIMENT, id, 0, {
      signal: options.signal,
    });
    if (commits.length === 0) return null;
    let state: ExperimentState = experimentDecider.initialState;
    for (const commit of commits) {
      for (const event of commit.events as ExperimentEvent[]) {
        state = experimentDecider.evolve(state, event);
      }
    }
    return {
      id,
      version: commits.at(-1)!.version,
      state: state!,
      journal: journalOf(id, commits),
    };
  }

  /**
   * Clears every fault on every node, each confirming (within 1 s), and
   * aborts every experiment. Acts without the event log — first here, then
   * over the control plane — and is recorded once the log takes it.
   */
  async emergencyStop(by: string): Promise<StopReport> {
    const stop = { id: crypto.randomUUID(), by, at: now() };
    const started = performance.now();
    // The control plane clears this node first, without NATS or the log.
    const { replies, missing } = await this.control.broadcast(
      { op: "stop", stop },
      1000,
    );
    const nodes = replies.map((r) => ({
      node: r.node,
      cleared: r.cleared ?? 0,
      ms: r.ms ?? null,
    }));
    const report: StopReport = {
      stopId: stop.id,
      by,
      at: stop.at,
      nodes,
      missing,
      durationMs: Math.round(performance.now() - started),
    };
    void this.recorder.record(CHAOS_SAFETY, CHAOS_SAFETY_STREAM, {
      type: "record_stop",
      stopId: stop.id,
      by,
      nodes,
      missing: report.missing,
      at: stop.at,
    }, `chaos.stop.${stop.id}`);
    return report;
  }

  /** Every node's active faults and experiments, and the last stop. */
  async status(): Promise<SafetyStatus> {
    const { replies, missing } = await this.control.broadcast({ op: "status" });
    const nodes = replies.map((r) => r.status!).filter(Boolean);
    const lastStop = nodes.map((n) => n.lastStop).filter((s) => s !== null)
      .sort((a, b) => b!.actedAt.localeCompare(a!.actedAt))[0] ?? null;
    return {
      node: this.node,
      settings: this.settings,
      nodes,
      missing,
      lastStop,
    };
  }

  /** The experiments running on this node. */
  running(): RunningExperiment[] {
    return [...this.#runs.values()].map((run) => ({
      id: run.id,
      title: run.experiment.definition.title,
      targets: targetsOf(run.experiment.definition.method),
      startedAt: run.experiment.startedAt!,
      maxDurationMs: run.experiment.maxDurationS * 1000,
    }));
  }

  /** Waits until the run of `id` on this node (if any) ended and is recorded. */
  async settled(id: string, timeoutMs = 30_000): Promise<void> {
    await this.#runs.get(id)?.done;
    await this.recorder.flush(timeoutMs);
  }

  /** Aborts the runs of this node and writes what can be written in `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    this.#abortHere(null, AbortReasons.nodeStopped, "supervisor");
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#runs.values()].map((r) => r.done)),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    await this.recorder.flush(timeoutMs);
    this.recorder.close();
  }

  /** Checks the faults against their kinds; the largest blast radius. */
  #check(faults: readonly MethodFault[]): number {
    const live = this.control.liveNodes();
    let radius = 0;
    for (const fault of faults) {
      try {
        checkFaultSpec({
          kind: fault.kind,
          selector: fault.selector,
          params: fault.params as FaultParams,
          durationMs: fault.durationS * 1000,
        }, this.settings.maxDurationS * 1000);
      } catch (error) {
        throw new DomainError(
          ChaosErrorCode.INVALID_FAULT,
          error instanceof Error ? error.message : String(error),
          { status: 422 },
        );
      }
      radius = Math.max(radius, blastRadius(fault, live, this.#shards));
    }
    return radius;
  }

  #abortHere(id: string | null, reason: string, by: string): boolean {
    let any = false;
    for (const run of this.#runs.values()) {
      if (id !== null && run.id !== id) continue;
      run.abort(reason as AbortReason, by);
      any = true;
    }
    return any;
  }
}

function overLimit(radius: number, limit: number): DomainError {
  const pct = (share: number) => `${Math.round(share * 1000) / 10} %`;
  return new DomainError(
    ChaosErrorCode.BLAST_RADIUS_EXCEEDED,
    `The blast radius ${pct(radius)} is above the limit of ${
      pct(limit)
    }; an ADMIN may force it`,
    { status: 422 },
  );
}

function now(): string {
  return new Date().toISOString();
}
