/** The supervisor's view of the nodes: their latest samples, freshness, and the cluster's metrics. */
import { Metrics } from "./types.ts";
import type { ClusterMetrics, Metric, NodeSample } from "./types.ts";

/** Options of a {@linkcode SampleBoard}. */
export interface SampleBoardOptions {
  /** A node whose last sample is older than this is stale (default 2 intervals). */
  staleAfterMs: number;
  /** …and forgotten when older than this (default 10 intervals). */
  forgetAfterMs: number;
}

/** What the board shows at one moment. */
export interface BoardView {
  fresh: NodeSample[];
  /** Nodes with no sample for longer than `staleAfterMs` (a reason to hold). */
  stale: string[];
  metrics: ClusterMetrics;
}

/** Metrics averaged over the nodes (the HPA's pods metrics). */
const PER_NODE: readonly Metric[] = [
  Metrics.cpu,
  Metrics.latencyP99Ms,
  Metrics.mailboxMax,
  Metrics.commandRate,
  Metrics.eventLoopDelayMs,
];

/** Metrics of the cluster as a whole: the largest any node reports. */
const PER_CLUSTER: readonly Metric[] = [
  Metrics.consumerLag,
  Metrics.projectionLagMs,
];

/**
 * The latest sample of every node. A node that stops reporting is stale
 * after `staleAfterMs` (the policy holds) and forgotten after
 * `forgetAfterMs`; a node that says it is leaving is forgotten at once.
 *
 * @example
 * ```ts
 * const board = new SampleBoard({ staleAfterMs: 30_000, forgetAfterMs: 150_000 });
 * board.put(sample);
 * board.view(Date.now()).metrics.values.cpu;
 * ```
 */
export class SampleBoard {
  readonly #options: SampleBoardOptions;
  readonly #latest = new Map<string, NodeSample>();

  constructor(options: SampleBoardOptions) {
    this.#options = options;
  }

  /** Takes a node's sample (an older one than it has is ignored). */
  put(sample: NodeSample): void {
    if (sample.leaving) {
      this.#latest.delete(sample.node);
      return;
    }
    const known = this.#latest.get(sample.node);
    if (!known || known.at <= sample.at) this.#latest.set(sample.node, sample);
  }

  /** Forgets a node (the actuator stopped it). */
  forget(node: string): void {
    this.#latest.delete(node);
  }

  /** Nodes it knows of. */
  get nodes(): string[] {
    return [...this.#latest.keys()].sort();
  }

  /** Fresh samples, stale nodes and the cluster's metrics at `now`. */
  view(now: number): BoardView {
    const fresh: NodeSample[] = [];
    const stale: string[] = [];
    for (const [node, sample] of this.#latest) {
      const age = now - sample.at;
      if (age > this.#options.forgetAfterMs) this.#latest.delete(node);
      else if (age > this.#options.staleAfterMs) stale.push(node);
      else fresh.push(sample);
    }
    return { fresh, stale: stale.sort(), metrics: aggregate(fresh) };
  }
}

/** The cluster's metrics from fresh samples. */
export function aggregate(samples: readonly NodeSample[]): ClusterMetrics {
  const values: Partial<Record<Metric, number>> = {};
  const missing = new Set<Metric>();
  for (const s of samples) for (const m of s.missing) missing.add(m);
  for (const metric of PER_NODE) {
    const known = samples.map((s) => s[metric as keyof NodeSample])
      .filter((v): v is number => typeof v === "number");
    if (known.length > 0) {
      values[metric] = known.reduce((a, b) => a + b, 0) / known.length;
    }
  }
  for (const metric of PER_CLUSTER) {
    const known = samples.map((s) => s[metric as keyof NodeSample])
      .filter((v): v is number => typeof v === "number");
    if (known.length > 0) values[metric] = Math.max(...known);
  }
  return {
    nodes: samples.length,
    totalCommandRate: samples.reduce((sum, s) => sum + s.commandRate, 0),
    activeActors: samples.reduce((sum, s) => sum + s.activeActors, 0),
    mailboxSum: samples.reduce((sum, s) => sum + s.mailboxSum, 0),
    values,
    missing: [...missing].sort(),
  };
}
