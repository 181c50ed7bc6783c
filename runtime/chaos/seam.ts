/**
 * Seams: where a fault acts inside the runtime. Each holds the active faults
 * of its kinds, kept current by the registry, and an `armed` flag that is
 * false while it holds none — the one check a call pays when no fault is
 * active.
 */
import { delay } from "../core/mod.ts";
import { selects } from "./selector.ts";
import type { FaultTarget } from "./selector.ts";
import { FaultKinds } from "./types.ts";
import type { ActiveFault, FaultKind } from "./types.ts";

/** What a seam needs of its registry. */
export interface SeamHost {
  readonly shardOf?: (type: string, id: string) => number;
  readonly random: () => number;
  /** Resolves at the next change of the active faults (or on abort). */
  changed(signal?: AbortSignal): Promise<void>;
}

/** The active faults of some kinds, for one place in the runtime. */
export class Seam {
  /** False while no fault of its kinds is active: the only cost when idle. */
  armed = false;
  /** The active faults of its kinds (set by the registry). */
  faults: readonly ActiveFault[] = [];
  readonly kinds: readonly FaultKind[];
  protected readonly host: SeamHost;

  constructor(kinds: readonly FaultKind[], host: SeamHost) {
    this.kinds = kinds;
    this.host = host;
  }

  /** The active faults (of `kind`, when given) that reach `target`. */
  select(target: FaultTarget, kind?: FaultKind): ActiveFault[] {
    const out: ActiveFault[] = [];
    for (const fault of this.faults) {
      if (kind !== undefined && fault.kind !== kind) continue;
      if (selects(fault, target, this.host.shardOf)) out.push(fault);
    }
    return out;
  }

  /** True with probability `rate` (a fault's share of calls). */
  roll(rate: number): boolean {
    return rate >= 1 || this.host.random() < rate;
  }
}

/** An injected crash of an actor in the middle of a command. */
export class ActorCrash extends Error {
  override name = "ActorCrash";
}

/**
 * The actor system's seam (`ActorFaults` of `runtime/actor`): mailbox delay
 * and crashes mid-command.
 */
export class ActorSeam extends Seam {
  /** The wait before a message of `type/id` is handled, or null. */
  delay(type: string, id: string): Promise<void> | null {
    let ms = 0;
    for (const f of this.select({ type, id }, FaultKinds.mailboxDelay)) {
      ms = Math.max(ms, f.params.delayMs as number);
    }
    return ms > 0 ? delay(ms) : null;
  }

  /** Throws `ActorCrash` when `type/id` is to crash at `phase` of a command. */
  crash(type: string, id: string, phase: "decide" | "append"): void {
    for (const f of this.select({ type, id }, FaultKinds.actorCrash)) {
      if (f.params.phase === phase && this.roll(f.params.rate as number)) {
        throw new ActorCrash(
          `Injected crash of ${type}/${id} (${phase}, fault ${f.id})`,
        );
      }
    }
  }
}

/** The projection engine's seam (`ProjectionFaults`): pauses. */
export class ProjectionSeam extends Seam {
  /**
   * Null when `projection` may go on; else a promise that resolves once no
   * pause selects it any more (or rejects when `signal` aborts).
   */
  hold(projection: string, signal?: AbortSignal): Promise<void> | null {
    if (this.select({ projection }).length === 0) return null;
    return (async () => {
      while (this.armed && this.select({ projection }).length > 0) {
        await this.host.changed(signal);
      }
    })();
  }
}

/** The SQL store's seam: slow queries. */
export class SqlSeam extends Seam {
  #queries = 0;

  /** The latency to add to the next query, in ms (0: none). */
  latencyMs(): number {
    const unit = String(this.#queries++);
    let ms = 0;
    for (const f of this.faults) {
      if (selects(f, { unit })) {
        ms = Math.max(ms, f.params.latencyMs as number);
      }
    }
    return ms;
  }
}

/** What the edge does to one request. */
export interface EdgeFault {
  latencyMs: number;
  /** Answer 503 with this Retry-After, without handling the request. */
  unavailable: number | null;
}

/** The HTTP edge's seam: latency and 503s for a share of requests. */
export class EdgeSeam extends Seam {
  #requests = 0;

  /** What to do to the next request, or null to leave it alone. */
  next(): EdgeFault | null {
    const unit = String(this.#requests++);
    let latencyMs = 0;
    let unavailable: number | null = null;
    for (const f of this.select({ unit })) {
      if (f.kind === FaultKinds.networkLatency) {
        latencyMs = Math.max(latencyMs, f.params.latencyMs as number);
      } else if (f.kind === FaultKinds.serviceUnavailable) {
        unavailable = Math.max(
          unavailable ?? 0,
          f.params.retryAfterS as number,
        );
      }
    }
    return latencyMs > 0 || unavailable !== null
      ? { latencyMs, unavailable }
      : null;
  }
}
