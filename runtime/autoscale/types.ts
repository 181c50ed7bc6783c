/**
 * The autoscaler's vocabulary: what a node measures, the metrics a target can
 * be set on, the modes, and what an actuator does.
 */

/** How the supervisor acts on its decisions (`TMS_AUTOSCALE`). */
export const AutoscaleModes = {
  /** Nothing is sampled or decided. */
  off: "off",
  /** Decisions are made and recorded; nothing is scaled automatically. */
  recommend: "recommend",
  /** Decisions are acted on through the actuator. */
  on: "on",
} as const;
export type AutoscaleMode = typeof AutoscaleModes[keyof typeof AutoscaleModes];

/** True for `off`, `recommend` or `on`. */
export function isAutoscaleMode(value: string): value is AutoscaleMode {
  return Object.hasOwn(AutoscaleModes, value);
}

/**
 * Metrics a target can be set on. Per node and averaged over the nodes (as
 * the HPA averages a pods metric): `cpu` (cores the process used, 1 = one
 * core busy), `latencyP99Ms` (p99 of the commands the node's edge asked),
 * `mailboxMax` (the deepest mailbox), `commandRate` (commands its actors
 * handled per second), `eventLoopDelayMs` (the longest timer drift).
 * For the cluster (the largest any node reports): `consumerLag` (positions
 * the slowest reader of the feed is behind the stream head as the stream
 * leader tells it) and `projectionLagMs` (age of the oldest commit not yet
 * projected).
 */
export const Metrics = {
  cpu: "cpu",
  latencyP99Ms: "latencyP99Ms",
  mailboxMax: "mailboxMax",
  commandRate: "commandRate",
  eventLoopDelayMs: "eventLoopDelayMs",
  consumerLag: "consumerLag",
  projectionLagMs: "projectionLagMs",
} as const;
export type Metric = typeof Metrics[keyof typeof Metrics];

/** True for a metric name of {@linkcode Metrics}. */
export function isMetric(value: string): value is Metric {
  return Object.hasOwn(Metrics, value);
}

/** Metrics that grow with the command rate: what a forecast of the rate moves. */
export const LOAD_PROPORTIONAL: readonly Metric[] = [
  Metrics.cpu,
  Metrics.mailboxMax,
  Metrics.commandRate,
  Metrics.consumerLag,
];

/** Target values per metric (a metric without one does not decide). */
export type Targets = Partial<Record<Metric, number>>;

/**
 * The default targets: 70 % of a core per node, p99 ≤ 50 ms, mailbox depth
 * ≤ 100, consumer lag ≤ 1 000 positions.
 */
export const DEFAULT_TARGETS: Readonly<Targets> = {
  cpu: 0.7,
  latencyP99Ms: 50,
  mailboxMax: 100,
  consumerLag: 1000,
};

/** One node's load over one sample interval. */
export interface NodeSample {
  node: string;
  /** Epoch ms when it was taken. */
  at: number;
  /** How long the interval it covers really was. */
  intervalMs: number;
  /** Commands the node's actors handled in the interval. */
  commands: number;
  /** `commands` per second. */
  commandRate: number;
  /** Commands the node's edge asked (and timed) in the interval. */
  asks: number;
  /** p99 of those asks in ms (0 when there were none). */
  latencyP99Ms: number;
  mailboxMax: number;
  mailboxSum: number;
  activeActors: number;
  /** Cores the process used: CPU seconds per second. */
  cpu: number | null;
  /** Longest drift of a 100 ms timer in the interval. */
  eventLoopDelayMs: number;
  /** Null: this node runs no projection. */
  projectionLagMs: number | null;
  /** Null: this node runs no reader of the feed. */
  consumerLag: number | null;
  /** Metrics the node failed to read this time (a reason to hold). */
  missing: Metric[];
  /** The node is stopping: forget it rather than wait for it to go stale. */
  leaving?: boolean;
}

/** Metrics of the cluster, aggregated from the fresh samples. */
export interface ClusterMetrics {
  /** Nodes whose samples are fresh. */
  nodes: number;
  /** Commands per second of the whole cluster. */
  totalCommandRate: number;
  activeActors: number;
  mailboxSum: number;
  /** Per metric: the value a target is compared with (absent: not measured). */
  values: Partial<Record<Metric, number>>;
  /** Metrics some fresh node failed to read. */
  missing: Metric[];
}

/** What an actuator did. */
export interface ScaleResult {
  /** Replicas it runs (or has asked for) now. */
  replicas: number;
  /** Nodes it stopped, whose samples can be forgotten at once. */
  removed?: string[];
}

/**
 * What scales the cluster: the local cluster's process manager, or a
 * Kubernetes Deployment's scale subresource.
 */
export interface Actuator {
  /** Name in decisions and the status (`local`, `kubernetes`). */
  readonly name: string;
  /** Replicas it runs now. */
  current(options?: { signal?: AbortSignal }): Promise<number>;
  /**
   * Sets the replica count. `keep` names a node that must not be stopped
   * (the supervisor's own) when another can be.
   */
  scale(
    replicas: number,
    options?: { keep?: string; signal?: AbortSignal },
  ): Promise<ScaleResult>;
}
