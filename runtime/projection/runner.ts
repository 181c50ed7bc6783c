/** One projection inside a `ProjectionEngine`, and its status. */
import { ProjectionStates } from "./types.ts";
import type {
  Projection,
  ProjectionFailure,
  ProjectionState,
  ProjectionStatus,
} from "./types.ts";
import { Wakeup } from "./support.ts";

/** One projection inside the engine: where it is and how it is doing. */
export interface Runner {
  projection: Projection;
  types: ReadonlySet<string>;
  state: ProjectionState;
  position: number;
  checkpoint: number;
  /** Epoch ms of the oldest commit not applied yet, when behind. */
  behindSince: number | null;
  eventsApplied: number;
  batchesApplied: number;
  retries: number;
  lastError: string | null;
  failure: ProjectionFailure | null;
  /** Apply one commit per transaction up to here, to find a failing commit. */
  singleStepUntil: number;
  paused: boolean;
  inflight: Promise<unknown> | null;
  wake: Wakeup;
  /** Ends a linger early: somebody waits for a position. */
  hurry: Wakeup;
  loop: Promise<void> | null;
}

/** A runner at position 0, starting. */
export function newRunner(projection: Projection): Runner {
  return {
    projection,
    types: new Set(projection.eventTypes),
    state: ProjectionStates.starting,
    position: 0,
    checkpoint: 0,
    behindSince: null,
    eventsApplied: 0,
    batchesApplied: 0,
    retries: 0,
    lastError: null,
    failure: null,
    singleStepUntil: 0,
    paused: false,
    inflight: null,
    wake: new Wakeup(),
    hurry: new Wakeup(),
    loop: null,
  };
}

/** The status of a runner, its lag measured against `head`. */
export function runnerStatus(r: Runner, head: number): ProjectionStatus {
  const behind = Math.max(0, head - r.position);
  return {
    name: r.projection.name,
    state: r.state,
    position: r.position,
    checkpoint: r.checkpoint,
    head,
    lagPositions: behind,
    lagMs: behind > 0 && r.behindSince !== null
      ? Math.max(0, Date.now() - r.behindSince)
      : 0,
    eventsApplied: r.eventsApplied,
    batchesApplied: r.batchesApplied,
    retries: r.retries,
    lastError: r.lastError,
    failure: r.failure,
  };
}
