import type { Context } from "../deps.ts";
import { RouteGroup } from "./route.ts";
import type { EdgeAuth, EdgeDeps, ReadinessCheck } from "./context.ts";
import { principalOf } from "./auth.ts";
import { UserRole } from "../actors/user/mod.ts";
import { PROBLEM_CONTENT_TYPE, ProblemTypes } from "./problem.ts";
import {
  ForbiddenError,
  UnauthorizedError,
  withTimeout,
} from "../runtime/core/mod.ts";

/** True when two strings are equal, in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}

/**
 * `/metrics` answers an ADMIN's token or the scrape token
 * (`TMS_METRICS_TOKEN`): 401 without a token, 403 for another role.
 */
async function requireMetricsAccess(c: Context, auth: EdgeAuth): Promise<void> {
  const header = c.req.header("authorization");
  const token = /^Bearer (\S+)$/i.exec(header?.trim() ?? "")?.[1];
  if (!token) {
    throw new UnauthorizedError(
      "auth.token_missing",
      "Metrics need an ADMIN's token or the scrape token",
    );
  }
  if (auth.metricsToken && sameSecret(token, auth.metricsToken)) return;
  const who = principalOf(await auth.verifier.verify(token));
  if (who.role !== UserRole.ADMIN) {
    throw new ForbiddenError("auth.role_not_allowed", "Metrics are for ADMINs");
  }
}

/** Largest mailbox depth that still counts as ready. */
const MAX_READY_MAILBOX = 500;

/** Every readiness component of the node and whether all pass. */
export async function checkReadiness(
  deps: EdgeDeps,
  signal?: AbortSignal,
): Promise<{ ok: boolean; checks: Record<string, ReadinessCheck> }> {
  const { system } = deps;
  const checks: Record<string, ReadinessCheck> = {};
  try {
    const position = await system.log.headPosition({
      signal: withTimeout(1000, signal),
    });
    checks.eventLog = { ok: true, position };
  } catch (error) {
    checks.eventLog = { ok: false, error: String(error) };
  }
  const stats = system.stats();
  checks.actors = {
    ok: stats.parked.length === 0 &&
      stats.maxMailboxDepth < MAX_READY_MAILBOX,
    active: stats.active,
    queued: stats.queued,
    maxMailboxDepth: stats.maxMailboxDepth,
    parked: stats.parked,
  };
  if (deps.readiness) Object.assign(checks, await deps.readiness());
  return { ok: Object.values(checks).every((check) => check.ok), checks };
}

function unavailable(title: string, body: Record<string, unknown>): Response {
  return new Response(
    JSON.stringify({
      type: ProblemTypes.unavailable,
      title,
      status: 503,
      ...body,
    }),
    {
      status: 503,
      headers: { "content-type": PROBLEM_CONTENT_TYPE, "retry-after": "1" },
    },
  );
}

/**
 * The health supervisor's routes (open): `/health/live` (the process
 * answers; what it holds, never failing on a dependency), `/health/ready`
 * (every component: event log, actors' mailboxes and parked actors,
 * projections and their lag, cluster and NATS, SQL, dead letters, disk
 * space, active faults) and `/health/startup` (503 until migrations ran and
 * the projections caught up with the log as it was at start); and
 * `/metrics` (ADMIN or the scrape token).
 */
export function healthRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Operations",
    description: "Health checks and metrics",
    base: "",
    versioned: false,
  });
  const { system } = deps;

  group.route({
    method: "get",
    path: "/health/live",
    operationId: "healthLive",
    summary: "Liveness: the process answers (its components for information)",
    responses: {
      200: {
        description: "Alive",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [],
    access: "public",
  }, (c) =>
    c.json({
      status: "pass",
      ...(deps.liveness ? { checks: deps.liveness() } : {}),
    }));

  group.route({
    method: "get",
    path: "/health/startup",
    operationId: "healthStartup",
    summary:
      "Startup: passes once migrations ran and the projections caught up",
    responses: {
      200: {
        description: "Started",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [503],
    access: "public",
  }, (c) => {
    const startup = deps.startup?.() ?? { ok: true };
    return startup.ok
      ? c.json({ status: "pass", startup })
      : unavailable("Starting", { startup });
  });

  group.route({
    method: "get",
    path: "/health/ready",
    operationId: "healthReady",
    summary:
      "Readiness: event log, actors, projections, cluster, NATS, SQL, dead letters, disk, faults",
    responses: {
      200: {
        description: "Ready, with every check",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [503],
    access: "public",
  }, async (c) => {
    const { ok, checks } = await checkReadiness(deps, c.get("signal"));
    if (ok) return c.json({ status: "pass", checks });
    return unavailable("Not ready", { checks });
  });

  group.route({
    method: "get",
    path: "/metrics",
    operationId: "metrics",
    summary: "Prometheus metrics (an ADMIN's token or the scrape token)",
    responses: {
      200: {
        description: "Prometheus text format 0.0.4",
        content: { "text/plain": { schema: { type: "string" } } },
      },
    },
    problems: [401, 403],
    access: "metrics",
  }, async (c) => {
    if (deps.auth.enabled) await requireMetricsAccess(c, deps.auth);
    const s = system.stats();
    const lines = [
      "# TYPE tms_actors_active gauge",
      `tms_actors_active ${s.active}`,
      "# TYPE tms_mailbox_queued gauge",
      `tms_mailbox_queued ${s.queued}`,
      "# TYPE tms_mailbox_depth_max gauge",
      `tms_mailbox_depth_max ${s.maxMailboxDepth}`,
      "# TYPE tms_commands_total counter",
      `tms_commands_total ${s.commands}`,
      "# TYPE tms_actor_restarts_total counter",
      `tms_actor_restarts_total ${s.restarts}`,
      "# TYPE tms_actors_parked gauge",
      `tms_actors_parked ${s.parked.length}`,
    ];
    const extra = (deps.metrics ? await deps.metrics() : "") +
      (deps.httpMetrics?.prometheus() ?? "");
    return c.text(lines.join("\n") + "\n" + extra, 200, {
      "content-type": "text/plain; version=0.0.4",
    });
  });

  return group;
}
