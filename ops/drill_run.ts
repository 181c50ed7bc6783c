/**
 * One drill from start to verdict: start what it needs (a nats-server and a
 * local cluster, or one embedded node; read models in a fresh PostgreSQL
 * schema), seed, run the write workload, run the drill's experiment through
 * the supervisor API (and its nemesis), wait for the read models, stop the
 * nodes, and judge from the log.
 */
import { NatsServer } from "../tests/support/nats_server.ts";
import { loadPostgres } from "../deps.ts";
import { sqlIdentifier } from "../runtime/sql/mod.ts";
import { RestartingCluster } from "./restarting_cluster.ts";
import type { LocalNode } from "./restarting_cluster.ts";
import { runWorkload, seedBedrifter } from "./drill_workload.ts";
import type { WorkloadTally } from "./drill_workload.ts";
import {
  compareReadModels,
  openLog,
  readAll,
  verdictOf,
} from "./drill_verify.ts";
import type { LogVerdict, TableComparison } from "./drill_verify.ts";
import type { DrillSpec } from "./drills.ts";

/** How a drill runs. */
export interface DrillOptions {
  /** Nodes of a cluster drill (default the drill's). */
  nodes?: number;
  /** Seconds the fault lasts (default the drill's). */
  durationS?: number;
  /** The PostgreSQL of the read models (default `DATABASE_URL` or the local one). */
  databaseUrl?: string;
  /** Concurrent writers (default 8). */
  workers?: number;
  say?: (message: string) => void;
}

/** What a drill found. */
export interface DrillReport {
  drill: string;
  mode: "embedded" | "cluster";
  nodes: number;
  durationS: number;
  startedAt: string;
  tookS: number;
  requests: number;
  statuses: Record<string, number>;
  commands: number;
  acknowledged: number;
  found: number;
  lost: number;
  duplicated: number;
  versionMismatch: number;
  /** Answers ≥ 500 other than 503 with Retry-After. */
  badResponses: number;
  abandoned: number;
  /** From the end of the disruption to the first acknowledged command sent after it. */
  recoveryMs: number | null;
  /** The longest time without an acknowledgement while the workload ran. */
  maxAckGapMs: number;
  log: Omit<LogVerdict, "lost" | "duplicated" | "versionMismatch"> & {
    examples: string[];
  };
  readModels: TableComparison[];
  experiment: {
    id: string;
    outcome: string | null;
    abortReason: string | null;
    journal: unknown;
  };
  restarts: number;
  /** Why the drill failed; empty when it passed. */
  failures: string[];
}

const SHARDS = 64;

async function json(
  url: string,
  method: string,
  auth: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

async function ready(node: LocalNode): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${node.port}/health/ready`);
  return (await res.json()).checks ?? {};
}

/** True when every projection run on the nodes has applied the whole feed. */
async function caughtUp(nodes: LocalNode[]): Promise<boolean> {
  let projecting = 0;
  for (const node of nodes) {
    const checks = await ready(node);
    const projections = (checks.projections as {
      projections?: { lagPositions: number; position: number; head: number }[];
    } | undefined)?.projections;
    if (!projections) continue;
    projecting++;
    if (projections.some((p) => p.lagPositions > 0)) return false;
  }
  return projecting > 0;
}

function maxGap(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < sorted.length; i++) {
    gap = Math.max(gap, sorted[i] - sorted[i - 1]);
  }
  return gap;
}

/** Runs `spec`; never throws for what it finds (see `failures`). */
export async function runDrill(
  spec: DrillSpec,
  options: DrillOptions = {},
): Promise<DrillReport> {
  const say = (m: string) => options.say?.(`${spec.name}: ${m}`);
  const nodeCount = spec.mode === "cluster" ? options.nodes ?? spec.nodes : 1;
  const durationS = options.durationS ?? spec.durationS;
  const databaseUrl = options.databaseUrl ?? Deno.env.get("DATABASE_URL") ??
    "postgres://postgres@127.0.0.1:5432/postgres";
  const schema = `tms_drill_${crypto.randomUUID().slice(0, 8)}`;
  const dir = await Deno.makeTempDir({ prefix: `tms-drill-${spec.name}-` });
  const started = Date.now();
  let nats: NatsServer | null = null;
  const cluster = new RestartingCluster({ say });
  const stopWorkload = new AbortController();
  const nemesisStop = new AbortController();
  try {
    if (spec.mode === "cluster") {
      say("starting a nats-server on a free port");
      nats = await NatsServer.start();
    }
    const env: Record<string, string> = {
      TMS_CHAOS: "on",
      DATABASE_URL: databaseUrl,
      TMS_READ_SCHEMA: schema,
      TMS_LEASE_TTL_MS: "2000",
      TMS_REQUEST_TIMEOUT_MS: "5000",
      ...(nats ? { TMS_NATS_URL: nats.url } : {}),
    };
    const ids = Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`);
    for (const id of ids) {
      say(`starting ${id} (${spec.mode})`);
      await cluster.add(id, env, { dataDir: `${dir}/${id}` });
    }
    const first = cluster.nodes[0];
    const url = (n: LocalNode) => `http://127.0.0.1:${n.port}`;
    const auth = () => first.process?.auth ?? cluster.running[0].process!.auth;
    if (spec.mode === "cluster") {
      await until("the nodes split the shards", 30_000, async () => {
        const owned = await Promise.all(
          cluster.nodes.map(async (n) =>
            ((await ready(n)).cluster as { shardsOwned?: number })
              ?.shardsOwned ?? 0
          ),
        );
        return owned.every((n) => n > 0) &&
          owned.reduce((a, b) => a + b, 0) === SHARDS;
      });
    }
    say("seeding 40 bedrifter");
    const bedrifter = await seedBedrifter(url(first), auth(), 40, schema);
    const workload = runWorkload({
      targets: () => cluster.running.map(url),
      auth,
      ids: bedrifter,
      workers: options.workers ?? 8,
      prefix: schema,
      signal: stopWorkload.signal,
    });
    await new Promise((r) => setTimeout(r, 2000));
    const base = `${url(first)}/api/v1/chaos/experiments`;
    const created = await json(base, "POST", auth(), {
      title: `drill ${spec.name}`,
      description: spec.summary,
      hypothesis: {
        probes: [{
          name: "ready",
          type: "readiness",
          phases: ["before", "after"],
        }],
        recoveryS: 90,
      },
      method: spec.method(durationS, ids),
      force: spec.force,
    });
    if (created.status !== 201) {
      throw new Error(
        `creating the experiment: ${created.status} ${
          JSON.stringify(created.body)
        }`,
      );
    }
    const experimentId = created.body.id as string;
    const start = await json(`${base}/${experimentId}/start`, "POST", auth());
    if (start.status !== 200) {
      throw new Error(
        `starting the experiment: ${start.status} ${
          JSON.stringify(start.body)
        }`,
      );
    }
    say(`experiment ${experimentId} started (fault ${durationS} s)`);
    const nemesis = spec.nemesis?.({
      nats,
      durationS,
      say,
      signal: nemesisStop.signal,
    });
    let experiment: Record<string, unknown> = {};
    await until(
      "the experiment completes",
      (durationS + 180) * 1000,
      async () => {
        const r = await json(
          `${url(cluster.running[0])}/api/v1/chaos/experiments/${experimentId}`,
          "GET",
          auth(),
        );
        experiment = r.body;
        return (r.body.state as { status?: string })?.status === "completed";
      },
    );
    const nemesisEnd = await nemesis;
    const journal = experiment.journal as {
      run: { start: string }[];
      experiment: { method: { durationS: number }[] };
    };
    const faultEnd = Math.max(
      nemesisEnd ?? 0,
      ...journal.run.map((r, i) =>
        Date.parse(r.start) + journal.experiment.method[i].durationS * 1000
      ),
    );
    await new Promise((r) => setTimeout(r, 2000));
    stopWorkload.abort();
    const tally: WorkloadTally = await workload;
    say(
      `workload: ${tally.requests} requests, ${tally.acknowledged.length} acknowledged`,
    );
    await until(
      "the read models catch up",
      120_000,
      async () =>
        await caughtUp(cluster.running) &&
        (await new Promise((r) => setTimeout(r, 500)),
          await caughtUp(cluster.running)),
    );
    const restarts = cluster.nodes.reduce((n, x) => n + x.restarts, 0);
    say("stopping the nodes");
    await cluster.stop("SIGTERM");
    say("reading the log and folding it into a fresh schema");
    const log = await openLog(
      nats ? { natsUrl: nats.url } : { kvPath: `${dir}/${first.id}/events.kv` },
    );
    let verdict: LogVerdict;
    let readModels: TableComparison[];
    try {
      verdict = verdictOf(await readAll(log), tally.acknowledged);
      readModels = await compareReadModels(databaseUrl, schema, log);
    } finally {
      await log.close();
    }
    const after = tally.acknowledged.filter((a) => a.sentAt >= faultEnd)
      .sort((a, b) => a.ackedAt - b.ackedAt)[0];
    const state = experiment.state as {
      outcome: string | null;
      abortReason: string | null;
    };
    const failures = [
      ...(verdict.lost.length ? [`${verdict.lost.length} lost`] : []),
      ...(verdict.duplicated.length
        ? [`${verdict.duplicated.length} duplicated`]
        : []),
      ...(verdict.versionMismatch.length
        ? [`${verdict.versionMismatch.length} at another version`]
        : []),
      ...(verdict.forks.length ? [`${verdict.forks.length} streams fork`] : []),
      ...(verdict.duplicateCommands.length
        ? [`${verdict.duplicateCommands.length} commands committed twice`]
        : []),
      ...(tally.bad.length
        ? [`${tally.bad.length} answers ≥ 500 other than 503 + Retry-After`]
        : []),
      ...readModels.filter((t) => !t.same).map((t) =>
        `read model ${t.table} differs from the fold (${t.rows} vs ${t.foldRows} rows)`
      ),
      ...(state.outcome === "passed" ? [] : [
        `experiment ${state.outcome ?? "unfinished"} (${state.abortReason})`,
      ]),
      ...(tally.acknowledged.length === 0 ? ["nothing acknowledged"] : []),
    ];
    return {
      drill: spec.name,
      mode: spec.mode,
      nodes: nodeCount,
      durationS,
      startedAt: new Date(started).toISOString(),
      tookS: Math.round((Date.now() - started) / 100) / 10,
      requests: tally.requests,
      statuses: tally.statuses,
      commands: tally.commands,
      acknowledged: tally.acknowledged.length,
      found: verdict.found,
      lost: verdict.lost.length,
      duplicated: verdict.duplicated.length,
      versionMismatch: verdict.versionMismatch.length,
      badResponses: tally.bad.length,
      abandoned: tally.abandoned,
      recoveryMs: after ? Math.max(0, after.ackedAt - faultEnd) : null,
      maxAckGapMs: maxGap(tally.acknowledged.map((a) => a.ackedAt)),
      log: {
        commits: verdict.commits,
        streams: verdict.streams,
        forks: verdict.forks,
        duplicateCommands: verdict.duplicateCommands,
        acknowledged: verdict.acknowledged,
        found: verdict.found,
        examples: [
          ...verdict.lost,
          ...verdict.duplicated,
          ...verdict.versionMismatch,
          ...tally.bad.map((b) => `${b.status} ${b.body}`),
        ].slice(0, 10),
      },
      readModels,
      experiment: {
        id: experimentId,
        outcome: state.outcome,
        abortReason: state.abortReason,
        journal: experiment.journal,
      },
      restarts,
      failures,
    };
  } finally {
    stopWorkload.abort();
    nemesisStop.abort();
    await cluster.stop("SIGKILL");
    await nats?.dispose();
    const sql = (await loadPostgres())(databaseUrl, {
      max: 1,
      onnotice: () => {},
    });
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${sqlIdentifier(schema)} CASCADE`)
      .catch(() => {});
    await sql.end();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
