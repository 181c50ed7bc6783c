import { checkFaultSpec, onNode } from "./selector.ts";
import { ActorSeam, EdgeSeam, ProjectionSeam, Seam, SqlSeam } from "./seam.ts";
import type { SeamHost } from "./seam.ts";
import { ClearReasons, FaultKinds } from "./types.ts";
import type {
  ActiveFault,
  ClearReason,
  FaultKind,
  FaultSpec,
} from "./types.ts";

/** The default (and `TMS_CHAOS_MAX_DURATION_S`'s) longest fault and experiment: 30 min. */
export const DEFAULT_MAX_DURATION_MS = 30 * 60_000;

/** A change of a registry's faults. */
export type FaultChange =
  | { type: "activated"; fault: ActiveFault }
  | { type: "cleared"; fault: ActiveFault; reason: ClearReason };

/** Options of a registry. */
export interface FaultRegistryOptions {
  /** This node's id: a fault whose selector names other nodes is not held. */
  node: string;
  /** The shard of an actor (for `selector.shards`). */
  shardOf?: (type: string, id: string) => number;
  /** Longest fault accepted (default 30 min). */
  maxDurationMs?: number;
  /** Source of the per-call draws of `rate` (tests make it fixed). */
  random?: () => number;
}

/** A fault to hold, as the control plane hands it to every node. */
export interface FaultOrder extends FaultSpec {
  id: string;
  experimentId?: string | null;
}

/**
 * The faults one node holds, and the seams they act at. Every fault has a
 * duration and expires by itself; `clearAll` is the node's part of the
 * emergency stop. Listeners hear each activation and clearing (the process
 * faults — CPU, memory, NATS, kill — act through them).
 *
 * @example
 * ```ts
 * const registry = new FaultRegistry({ node: "node-1" });
 * const log = new ChaosEventLog(inner, registry);
 * registry.activate({ id: "f1", kind: "log_outage", durationMs: 5000 });
 * ```
 */
export class FaultRegistry implements SeamHost {
  readonly node: string;
  readonly shardOf?: (type: string, id: string) => number;
  readonly maxDurationMs: number;
  readonly random: () => number;
  /** The seams, each armed only while one of its kinds is active. */
  readonly seams: {
    log: Seam;
    files: Seam;
    actor: ActorSeam;
    projection: ProjectionSeam;
    sql: SqlSeam;
    edge: EdgeSeam;
  };
  readonly #faults = new Map<
    string,
    { fault: ActiveFault; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #listeners = new Set<(change: FaultChange) => void>();
  #changed = Promise.withResolvers<void>();

  constructor(options: FaultRegistryOptions) {
    this.node = options.node;
    this.shardOf = options.shardOf;
    this.maxDurationMs = options.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
    this.random = options.random ?? Math.random;
    const k = FaultKinds;
    this.seams = {
      log: new Seam(
        [k.logLatency, k.logError, k.logOutage, k.diskFull],
        this,
      ),
      files: new Seam([k.diskFull], this),
      actor: new ActorSeam([k.actorCrash, k.mailboxDelay], this),
      projection: new ProjectionSeam([k.projectionPause], this),
      sql: new SqlSeam([k.databaseSlow], this),
      edge: new EdgeSeam([k.networkLatency, k.serviceUnavailable], this),
    };
  }

  /**
   * Checks `order` and holds it until it expires, unless its selector names
   * other nodes (then null). The same id again replaces the fault. Throws
   * `RangeError` for a bad kind, parameter, selector or duration.
   */
  activate(order: FaultOrder): ActiveFault | null {
    const { params, selector } = checkFaultSpec(order, this.maxDurationMs);
    if (!onNode(selector, this.node)) return null;
    if (this.#faults.has(order.id)) this.clear(order.id, ClearReasons.cleared);
    const now = Date.now();
    const fault: ActiveFault = {
      id: order.id,
      kind: order.kind,
      selector,
      params,
      startedAt: now,
      expiresAt: now + order.durationMs,
      experimentId: order.experimentId ?? null,
    };
    const timer = setTimeout(
      () => this.clear(fault.id, ClearReasons.expired),
      order.durationMs,
    );
    Deno.unrefTimer(timer);
    this.#faults.set(fault.id, { fault, timer });
    this.#update();
    this.#emit({ type: "activated", fault });
    return fault;
  }

  /** Stops one fault; false when it is not held. */
  clear(id: string, reason: ClearReason = ClearReasons.cleared): boolean {
    const entry = this.#faults.get(id);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.#faults.delete(id);
    this.#update();
    this.#emit({ type: "cleared", fault: entry.fault, reason });
    return true;
  }

  /** Stops every fault (of `experimentId` when given); returns those stopped. */
  clearAll(
    reason: ClearReason = ClearReasons.cleared,
    experimentId?: string,
  ): ActiveFault[] {
    const cleared: ActiveFault[] = [];
    for (const { fault } of [...this.#faults.values()]) {
      if (experimentId !== undefined && fault.experimentId !== experimentId) {
        continue;
      }
      if (this.clear(fault.id, reason)) cleared.push(fault);
    }
    return cleared;
  }

  /** The faults held now, oldest first. */
  active(): ActiveFault[] {
    return [...this.#faults.values()].map((e) => e.fault);
  }

  /** Active faults per kind (every kind listed, 0 when none). */
  counts(): Record<FaultKind, number> {
    const counts = Object.fromEntries(
      Object.values(FaultKinds).map((k) => [k, 0]),
    ) as Record<FaultKind, number>;
    for (const { fault } of this.#faults.values()) counts[fault.kind]++;
    return counts;
  }

  /** Calls `listener` on every activation and clearing; returns the unsubscribe. */
  subscribe(listener: (change: FaultChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves at the next change of the active faults, or rejects on abort. */
  changed(signal?: AbortSignal): Promise<void> {
    const next = this.#changed.promise;
    if (!signal) return next;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      next.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /** Clears every fault (listeners hear it) and forgets the listeners. */
  close(): void {
    this.clearAll(ClearReasons.cleared);
    this.#listeners.clear();
  }

  #update(): void {
    const all = this.active();
    for (const seam of Object.values(this.seams)) {
      seam.faults = all.filter((f) => seam.kinds.includes(f.kind));
      seam.armed = seam.faults.length > 0;
    }
    const changed = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    changed.resolve();
  }

  #emit(change: FaultChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        console.error("A chaos listener failed:", error);
      }
    }
  }
}
