/**
 * The journal of an experiment run, after the Chaos Toolkit's: what was
 * declared, the steady state before and after (and every check during the
 * method), each fault as a run activity, the rollbacks, how it ended. It is
 * a fold of the experiment's stream, so the log is its only source.
 */
import type { Commit } from "../../../runtime/core/mod.ts";
import type { ExperimentEvent } from "./events.ts";
import type {
  AbortReason,
  ExperimentDefinition,
  Outcome,
  ProbePhase,
  ProbeResult,
  RollbackType,
} from "./types.ts";

/** A Chaos-Toolkit-style journal of one experiment. */
export interface Journal {
  experiment: (ExperimentDefinition & { id: string }) | null;
  status: "created" | "running" | "completed" | "failed" | "aborted";
  deviated: boolean;
  start: string | null;
  end: string | null;
  /** Seconds from start to end (or to now while running). */
  duration: number | null;
  node: string | null;
  blastRadius: number | null;
  forced: boolean;
  steady_states: {
    before: { steady_state_met: boolean; probes: ProbeResult[] } | null;
    during: { at: string; ok: boolean; probes: ProbeResult[] }[];
    after: { steady_state_met: boolean; probes: ProbeResult[] } | null;
  };
  run: {
    activity: { type: "action"; name: string; faultId: string };
    status: "succeeded" | "failed";
    start: string;
    output: { nodes: string[]; missing: string[] };
  }[];
  deviations: { phase: ProbePhase; at: string; result: ProbeResult }[];
  abort: {
    reason: AbortReason;
    detail: string | null;
    by: string;
    at: string;
  } | null;
  rollbacks: {
    actions: RollbackType[];
    faultsCleared: number;
    at: string;
  } | null;
  outcome: Outcome | null;
}

/** The journal of the experiment whose commits (oldest first) are `commits`. */
export function journalOf(id: string, commits: readonly Commit[]): Journal {
  const journal: Journal = {
    experiment: null,
    status: "created",
    deviated: false,
    start: null,
    end: null,
    duration: null,
    node: null,
    blastRadius: null,
    forced: false,
    steady_states: { before: null, during: [], after: null },
    run: [],
    deviations: [],
    abort: null,
    rollbacks: null,
    outcome: null,
  };
  for (const commit of commits) {
    for (const event of commit.events as ExperimentEvent[]) {
      switch (event.type) {
        case "chaos.experiment_created":
          journal.experiment = { id, ...event.data.definition };
          journal.blastRadius = event.data.blastRadius;
          journal.forced = event.data.forced;
          break;
        case "chaos.experiment_started":
          journal.status = "running";
          journal.start = event.data.at;
          journal.node = event.data.node;
          break;
        case "chaos.probe_checked": {
          const { phase, ok, results, at } = event.data;
          const state = { steady_state_met: ok, probes: results };
          if (phase === "before") journal.steady_states.before = state;
          else if (phase === "after") journal.steady_states.after = state;
          else journal.steady_states.during.push({ at, ok, probes: results });
          break;
        }
        case "chaos.fault_injected":
          journal.run.push({
            activity: {
              type: "action",
              name: event.data.fault.kind,
              faultId: event.data.faultId,
            },
            status: event.data.nodes.length > 0 ? "succeeded" : "failed",
            start: event.data.at,
            output: { nodes: event.data.nodes, missing: event.data.missing },
          });
          break;
        case "chaos.deviated":
          journal.deviated = true;
          journal.deviations.push({
            phase: event.data.phase,
            at: event.data.at,
            result: event.data.result,
          });
          break;
        case "chaos.aborted":
          journal.status = "aborted";
          journal.abort = { ...event.data };
          break;
        case "chaos.rolled_back":
          journal.rollbacks = { ...event.data };
          break;
        case "chaos.completed":
          journal.outcome = event.data.outcome;
          journal.end = event.data.at;
          journal.status = event.data.outcome === "passed"
            ? "completed"
            : event.data.outcome === "aborted"
            ? "aborted"
            : "failed";
          break;
      }
    }
  }
  if (journal.start) {
    const end = journal.end ? Date.parse(journal.end) : Date.now();
    journal.duration = Math.max(0, (end - Date.parse(journal.start)) / 1000);
  }
  return journal;
}
