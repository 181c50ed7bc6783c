/**
 * The ops console's status snapshot (`GET /api/v<n>/console/status`, and
 * each `status` event of `GET /api/v<n>/console/stream`): one node's view of
 * its health, the cluster, actors, log, projections, dead letters, the
 * autoscaler and chaos, each section on its own — a section that could not
 * be read in time is null, with the reason in `errors`.
 */
import { z } from "../deps.ts";
import {
  ActiveFaultView,
  ExperimentListItemView,
  SafetyStatusView,
} from "./chaos.ts";
import { DecisionLogItemView, DecisionView } from "./autoscale.ts";
import { DeadLetterView } from "./dead_letters.ts";

const check = z.looseObject({ ok: z.boolean() });

/** One projection as the engine reports it. */
const ProjectionItem = z.object({
  name: z.string(),
  state: z.string(),
  position: z.number().int(),
  head: z.number().int(),
  lagPositions: z.number().int(),
  lagMs: z.number(),
  retries: z.number().int(),
  lastError: z.string().nullable(),
  failure: z.looseObject({ position: z.number().int(), error: z.string() })
    .nullable(),
});

/** A point of the command rate chart: the rate and its band (commands/s). */
const RatePoint = z.object({
  at: z.number().describe("Epoch ms"),
  rate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
});

/** The snapshot. */
export const ConsoleStatusView = z.object({
  at: z.string().describe("ISO 8601, when it was taken"),
  intervalMs: z.number().int().describe("How often the stream sends one"),
  node: z.object({
    id: z.string(),
    mode: z.enum(["embedded", "distributed"]),
    uptimeS: z.number(),
    rssBytes: z.number(),
    startup: check,
  }),
  health: z.object({
    ok: z.boolean(),
    checks: z.record(z.string(), check).describe(
      "Every component of /health/ready",
    ),
  }).nullable(),
  nodes: z.array(z.object({
    id: z.string(),
    self: z.boolean(),
    shards: z.number().int().nullable().describe("Shards it holds"),
  })).describe("The live nodes (this one alone when embedded)"),
  shards: z.object({
    count: z.number().int(),
    ttlMs: z.number(),
    leases: z.array(z.object({
      shard: z.number().int(),
      node: z.string().nullable(),
      ageMs: z.number().nullable(),
      moves: z.number().int(),
    })),
    moves: z.array(z.object({
      shard: z.number().int(),
      from: z.string(),
      to: z.string(),
      at: z.number(),
    })).describe("Newest first"),
  }).nullable().describe("Null embedded: every actor runs on this node"),
  actors: z.object({
    active: z.number().int(),
    queued: z.number().int(),
    maxMailboxDepth: z.number().int(),
    commands: z.number().int(),
    commandsPerS: z.number().nullable(),
    restarts: z.number().int(),
    parked: z.array(z.object({
      type: z.string(),
      id: z.string(),
      until: z.number(),
      reason: z.string(),
    })),
    mailboxes: z.array(z.object({
      type: z.string(),
      id: z.string(),
      depth: z.number().int(),
    })).describe("The 10 deepest mailboxes"),
  }),
  log: z.object({
    backend: z.string(),
    head: z.number().int().nullable(),
    commitsPerS: z.number().nullable(),
    groupCommit: z.object({
      commits: z.number().int(),
      atomics: z.number().int(),
      batchSize: z.number().nullable().describe(
        "Commits per atomic since the last snapshot (lifetime when idle)",
      ),
      unindexed: z.number().int(),
      latencyMs: z.object({
        mean: z.number().nullable(),
        p99: z.number().nullable().describe("Upper bound of its bucket"),
        max: z.number().nullable(),
      }),
    }).nullable().describe("The embedded log's group commits"),
  }),
  projections: z.object({
    role: z.enum(["own", "projector", "standby", "stopped", "follower"]),
    holder: z.string().nullable().describe("The node holding the lease"),
    head: z.number().int().nullable(),
    items: z.array(ProjectionItem),
  }).nullable(),
  deadLetters: z.object({
    open: z.number().int(),
    byStatus: z.record(z.string(), z.number().int()),
    items: z.array(DeadLetterView).describe("The newest 20"),
  }).nullable(),
  autoscale: z.object({
    mode: z.enum(["off", "recommend", "on"]),
    active: z.boolean(),
    supervisor: z.string().nullable(),
    actuator: z.string().nullable(),
    replicas: z.number().int().nullable(),
    desired: z.number().int().nullable(),
    minReplicas: z.number().int(),
    maxReplicas: z.number().int(),
    intervalMs: z.number().nullable(),
    forecast: z.looseObject({}).nullable(),
    lastDecision: DecisionView.nullable(),
    decisions: z.array(DecisionLogItemView).describe("The newest 8"),
    chart: z.object({
      measured: z.array(RatePoint).describe(
        "Measured rates, each with the band the forecast before it gave for its time",
      ),
      forecast: z.array(RatePoint),
    }),
  }).nullable(),
  chaos: z.object({
    enabled: z.boolean(),
    status: SafetyStatusView.nullable(),
    running: z.array(z.object({
      id: z.string(),
      title: z.string(),
      status: z.string(),
      startedAt: z.string().nullable(),
      deviations: z.number().int(),
      probes: z.array(z.object({
        probe: z.string(),
        value: z.number().nullable(),
        tolerance: z.number(),
        ok: z.boolean(),
      })).describe("The latest check of its steady-state probes"),
      faults: z.array(ActiveFaultView),
    })),
    history: z.array(ExperimentListItemView).describe("The newest 10"),
  }).nullable(),
  errors: z.record(z.string(), z.string()).describe(
    "Sections that could not be read, and why",
  ),
});

/** The snapshot, as TypeScript. */
export type ConsoleStatus = z.output<typeof ConsoleStatusView>;
