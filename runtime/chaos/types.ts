/**
 * The fault model of TMS's chaos seams: the kinds of fault, their
 * parameters (declared once, in `FAULT_TYPES`, which both validates them and
 * is what `GET /api/v<n>/chaos/faults/types` serves), target selectors and
 * the active fault a node holds.
 */

/** Every kind of fault a node can hold. */
export const FaultKinds = {
  logLatency: "log_latency",
  logError: "log_error",
  logOutage: "log_outage",
  actorCrash: "actor_crash",
  mailboxDelay: "mailbox_delay",
  projectionPause: "projection_pause",
  databaseSlow: "database_slow",
  networkLatency: "network_latency",
  serviceUnavailable: "service_unavailable",
  natsDisconnect: "nats_disconnect",
  cpuStress: "cpu_stress",
  memoryLeak: "memory_leak",
  diskFull: "disk_full",
  nodeKill: "node_kill",
} as const;
export type FaultKind = typeof FaultKinds[keyof typeof FaultKinds];

/**
 * What a fault's `selector.percent` counts: the actors (`type:id`) a seam
 * touches, requests at the edge, queries, projections, or (for faults that
 * act on the whole process) nothing but the nodes.
 */
export const FaultScopes = {
  actors: "actors",
  requests: "requests",
  queries: "queries",
  projections: "projections",
  node: "node",
} as const;
export type FaultScope = typeof FaultScopes[keyof typeof FaultScopes];

/** One parameter of a fault kind. */
export interface FaultParamSpec {
  type: "number" | "boolean" | "enum" | "enum[]";
  description: string;
  default: number | boolean | string | readonly string[];
  min?: number;
  max?: number;
  values?: readonly string[];
}

/** A fault kind: where it acts and what it takes. */
export interface FaultTypeSpec {
  kind: FaultKind;
  /** The seam it acts at. */
  seam: string;
  scope: FaultScope;
  description: string;
  params: Readonly<Record<string, FaultParamSpec>>;
}

const LOG_OPERATIONS = ["append", "read", "snapshot"] as const;

/** The log operations a log fault may name. */
export type LogOperation = typeof LOG_OPERATIONS[number];

const operations: FaultParamSpec = {
  type: "enum[]",
  values: LOG_OPERATIONS,
  default: LOG_OPERATIONS,
  description: "the log operations it hits (append, read, snapshot)",
};

/** Every fault kind with its parameters, in the order the API lists them. */
export const FAULT_TYPES: readonly FaultTypeSpec[] = [
  {
    kind: FaultKinds.logLatency,
    seam: "event log",
    scope: FaultScopes.actors,
    description: "Adds latency to event-log calls of the selected actors",
    params: {
      latencyMs: {
        type: "number",
        min: 1,
        max: 30_000,
        default: 100,
        description: "added to each call, in ms",
      },
      operations,
    },
  },
  {
    kind: FaultKinds.logError,
    seam: "event log",
    scope: FaultScopes.actors,
    description:
      "Fails event-log calls of the selected actors with UnavailableError (503 at the edge); afterWrite fails an append after it landed",
    params: {
      rate: {
        type: "number",
        min: 0,
        max: 1,
        default: 1,
        description: "share of calls that fail",
      },
      afterWrite: {
        type: "boolean",
        default: false,
        description:
          "appends fail after the write landed: the caller cannot know the outcome",
      },
      operations,
    },
  },
  {
    kind: FaultKinds.logOutage,
    seam: "event log",
    scope: FaultScopes.node,
    description:
      "Every event-log call fails (503 with Retry-After at the edge); readiness goes false",
    params: {},
  },
  {
    kind: FaultKinds.actorCrash,
    seam: "actor",
    scope: FaultScopes.actors,
    description:
      "The selected actors throw mid-command; supervision restarts them from the log",
    params: {
      rate: {
        type: "number",
        min: 0,
        max: 1,
        default: 0.5,
        description: "share of commands that crash",
      },
      phase: {
        type: "enum",
        values: ["decide", "append"],
        default: "append",
        description:
          "decide: before the append; append: after the commit landed, before the answer",
      },
    },
  },
  {
    kind: FaultKinds.mailboxDelay,
    seam: "actor",
    scope: FaultScopes.actors,
    description:
      "Each message of the selected actors waits before it is handled",
    params: {
      delayMs: {
        type: "number",
        min: 1,
        max: 30_000,
        default: 50,
        description: "wait per message, in ms",
      },
    },
  },
  {
    kind: FaultKinds.projectionPause,
    seam: "projection engine",
    scope: FaultScopes.projections,
    description:
      "The selected projections stop applying batches (their lag grows) until the fault ends",
    params: {},
  },
  {
    kind: FaultKinds.databaseSlow,
    seam: "SQL store",
    scope: FaultScopes.queries,
    description: "Adds latency to read-model queries and transactions",
    params: {
      latencyMs: {
        type: "number",
        min: 1,
        max: 30_000,
        default: 200,
        description: "added to each query, in ms",
      },
    },
  },
  {
    kind: FaultKinds.networkLatency,
    seam: "HTTP edge",
    scope: FaultScopes.requests,
    description: "Adds latency to a share of /api/ requests",
    params: {
      latencyMs: {
        type: "number",
        min: 1,
        max: 30_000,
        default: 200,
        description: "added before the request is handled, in ms",
      },
    },
  },
  {
    kind: FaultKinds.serviceUnavailable,
    seam: "HTTP edge",
    scope: FaultScopes.requests,
    description:
      "Answers a share of /api/ requests with 503 and Retry-After without handling them",
    params: {
      retryAfterS: {
        type: "number",
        min: 1,
        max: 3600,
        default: 1,
        description: "the Retry-After it answers with",
      },
    },
  },
  {
    kind: FaultKinds.natsDisconnect,
    seam: "NATS connection",
    scope: FaultScopes.node,
    description:
      "Cuts the node's NATS connection (through its chaos proxy) and refuses reconnects until the fault ends",
    params: {},
  },
  {
    kind: FaultKinds.cpuStress,
    seam: "process",
    scope: FaultScopes.node,
    description: "Workers burn a share of a core each",
    params: {
      share: {
        type: "number",
        min: 0.05,
        max: 1,
        default: 0.5,
        description: "share of one core each worker burns",
      },
      workers: {
        type: "number",
        min: 1,
        max: 16,
        default: 1,
        description: "number of workers (at most the cores)",
      },
    },
  },
  {
    kind: FaultKinds.memoryLeak,
    seam: "process",
    scope: FaultScopes.node,
    description:
      "Holds a growing allocation, capped (at most a quarter of the memory limit, 1 GiB), released when the fault ends",
    params: {
      mb: {
        type: "number",
        min: 1,
        max: 1024,
        default: 128,
        description: "MiB to hold at most",
      },
      mbPerSecond: {
        type: "number",
        min: 1,
        max: 1024,
        default: 32,
        description: "how fast it grows",
      },
    },
  },
  {
    kind: FaultKinds.diskFull,
    seam: "event log and file store",
    scope: FaultScopes.node,
    description:
      "Event-log writes and file uploads are refused as on a full disk (503 with Retry-After)",
    params: {},
  },
  {
    kind: FaultKinds.nodeKill,
    seam: "process",
    scope: FaultScopes.node,
    description:
      "The node SIGKILLs itself; the local cluster (deno task cluster, drills) starts it again when the fault's duration is over",
    params: {},
  },
];

const TYPES = new Map(FAULT_TYPES.map((t) => [t.kind, t]));

/** The spec of a kind, or null for a kind TMS does not know. */
export function faultType(kind: string): FaultTypeSpec | null {
  return TYPES.get(kind as FaultKind) ?? null;
}

/**
 * The blast radius of a fault: which nodes, aggregate types, shards and
 * projections it reaches, and what share of its scope's units (actors,
 * requests, queries, projections) — chosen by a stable hash, so the same
 * actor is in or out for the fault's whole life. Absent fields select all.
 */
export interface FaultSelector {
  nodes?: string[];
  aggregateTypes?: string[];
  shards?: number[];
  projections?: string[];
  /** 0 < percent ≤ 100 of the scope's units. */
  percent?: number;
}

/** Parameter values of one fault, checked against its kind's spec. */
export type FaultParams = Record<string, number | boolean | string | string[]>;

/** A fault to inject: its kind, selector, parameters and (mandatory) duration. */
export interface FaultSpec {
  kind: FaultKind;
  selector?: FaultSelector;
  params?: FaultParams;
  /** How long it stays active; it expires by itself. */
  durationMs: number;
}

/** A fault a node holds. */
export interface ActiveFault {
  /** The same on every node that holds it. */
  id: string;
  kind: FaultKind;
  selector: FaultSelector;
  /** Every parameter, defaults filled in. */
  params: FaultParams;
  /** Epoch ms it was activated on this node. */
  startedAt: number;
  /** Epoch ms it expires. */
  expiresAt: number;
  /** The experiment it belongs to, or null for an ad hoc fault. */
  experimentId: string | null;
}

/** Seconds a client is told to wait while the disk is (injected) full. */
export const DISK_FULL_RETRY_S = 5;

/** Why a fault stopped. */
export const ClearReasons = {
  expired: "expired",
  cleared: "cleared",
  rolledBack: "rolled_back",
  emergencyStop: "emergency_stop",
} as const;
export type ClearReason = typeof ClearReasons[keyof typeof ClearReasons];
