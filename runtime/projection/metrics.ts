import type { ProjectionEngine } from "./engine.ts";
import { ProjectionStates } from "./types.ts";
import type { ProjectionStatus } from "./types.ts";

/** When the read side still counts as ready. */
export interface ProjectionHealthBounds {
  /** Most positions a projection may trail the feed head (default 10 000). */
  maxLagPositions?: number;
  /** Oldest unapplied commit age in ms (default 30 000). */
  maxLagMs?: number;
}

/** The read side's readiness check: not ok when a projection is halted or lags past the bounds. */
export interface ProjectionReadiness {
  ok: boolean;
  head: number;
  projections: ProjectionStatus[];
  [detail: string]: unknown;
}

/**
 * Readiness of the read side, for `/health/ready`.
 *
 * @example
 * ```ts
 * const check = projectionReadiness(engine, { maxLagMs: 10_000 });
 * if (!check.ok) console.warn(check.projections);
 * ```
 */
export function projectionReadiness(
  engine: ProjectionEngine,
  bounds: ProjectionHealthBounds = {},
): ProjectionReadiness {
  const maxLagPositions = bounds.maxLagPositions ?? 10_000;
  const maxLagMs = bounds.maxLagMs ?? 30_000;
  const projections = engine.status();
  const ok = projections.every((p) =>
    p.state !== ProjectionStates.failed &&
    p.state !== ProjectionStates.stopped &&
    p.state !== ProjectionStates.starting &&
    p.lagPositions <= maxLagPositions && p.lagMs <= maxLagMs
  );
  return { ok, head: engine.head, projections };
}

const METRICS = [
  [
    "tms_projection_position",
    "gauge",
    "Feed position the projection has applied",
  ],
  [
    "tms_projection_lag_positions",
    "gauge",
    "Feed positions the projection trails the head",
  ],
  [
    "tms_projection_lag_seconds",
    "gauge",
    "Age of the oldest commit the projection has not applied",
  ],
  [
    "tms_projection_failed",
    "gauge",
    "1 while the projection is halted at a commit it cannot apply",
  ],
  [
    "tms_projection_failed_position",
    "gauge",
    "Feed position the projection is halted at (0 when running)",
  ],
  ["tms_projection_events_total", "counter", "Events applied since start"],
  ["tms_projection_batches_total", "counter", "Batches committed since start"],
  [
    "tms_projection_retries_total",
    "counter",
    "Retries after the store or log was unavailable",
  ],
] as const;

/**
 * Prometheus text (format 0.0.4) of every projection's position, lag and
 * failure, plus the feed head.
 *
 * @example
 * ```ts
 * const body = projectionMetrics(engine);
 * ```
 */
export function projectionMetrics(engine: ProjectionEngine): string {
  const statuses = engine.status();
  const values = (s: ProjectionStatus): number[] => [
    s.position,
    s.lagPositions,
    s.lagMs / 1000,
    s.state === ProjectionStates.failed ? 1 : 0,
    s.failure?.position ?? 0,
    s.eventsApplied,
    s.batchesApplied,
    s.retries,
  ];
  const lines = [
    "# HELP tms_feed_head_position Newest feed position the read side knows of",
    "# TYPE tms_feed_head_position gauge",
    `tms_feed_head_position ${engine.head}`,
  ];
  METRICS.forEach(([name, type, help], i) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const status of statuses) {
      lines.push(
        `${name}{projection="${status.name}"} ${values(status)[i]}`,
      );
    }
  });
  return lines.join("\n") + "\n";
}
