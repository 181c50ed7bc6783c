/**
 * TMS node: reads configuration from the environment, wires the backends and
 * serves the HTTP edge. `deno task start`.
 */
import {
  readModelProjections,
  registerActors,
  withDomainUpcasters,
} from "./actors/mod.ts";
import { createApp } from "./http/mod.ts";
import { openDomainServices } from "./ops/domain_services.ts";
import { ActorSystem } from "./runtime/actor/mod.ts";
import { ClusterNode } from "./runtime/cluster/mod.ts";
import { JetStreamEventLog } from "./runtime/log/jetstream/mod.ts";
import { KvEventLog } from "./runtime/log/kv/mod.ts";
import {
  leasedMetrics,
  LeasedProjections,
  leasedReadiness,
  ProjectionEngine,
  ProjectionFollower,
  projectionMetrics,
  projectionReadiness,
} from "./runtime/projection/mod.ts";
import { openSqlStore } from "./runtime/sql/mod.ts";
import type { EventLog } from "./runtime/core/mod.ts";
import { natsConnect } from "./deps.ts";
import type { NatsConnection } from "./deps.ts";

/** Configuration of a node, from environment variables. */
export interface NodeConfig {
  port: number;
  hostname: string;
  dataDir: string;
  snapshotEvery: number;
  mailboxCapacity: number;
  idleTimeoutMs: number;
  maxActive: number;
  requestTimeoutMs: number;
  /** Distributed mode when set: NATS servers, comma-separated (`TMS_NATS_URL`). */
  natsUrl?: string;
  /** This node's id in the cluster (`TMS_NODE_ID`, default hostname-pid). */
  nodeId: string;
  /** Shards actors are spread over (`TMS_SHARDS`, 64; same on every node). */
  shards: number;
  /** Shard lease TTL in ms (`TMS_LEASE_TTL_MS`, 10 000). */
  leaseTtlMs: number;
  /** Replicas of the stream and buckets when created (`TMS_STREAM_REPLICAS`, 1). */
  streamReplicas: number;
  /** Read models in PostgreSQL when set (`DATABASE_URL`), else PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Schema of the read models (`TMS_READ_SCHEMA`, default `public`). */
  readSchema?: string;
  /** How long a query waits for `X-TMS-Min-Position` (`TMS_MIN_POSITION_TIMEOUT_MS`). */
  minPositionTimeoutMs: number;
  /**
   * Whether this node may run the projections (`TMS_PROJECTIONS`, `on`). In
   * distributed mode with PostgreSQL, nodes sharing the read models' schema
   * elect one projector by a lease (TTL `TMS_LEASE_TTL_MS`); the others stand
   * by and take over when it goes. `off` makes a command-and-query node that
   * never projects and reads what a projector writes into the shared
   * `DATABASE_URL` (required then).
   */
  projections: boolean;
  /** How long a projection at the feed head gathers commits for its next batch (`TMS_PROJECTION_LINGER_MS`, 50). */
  projectionLingerMs: number;
}

function intEnv(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative integer, got "${raw}"`,
    );
  }
  return value;
}

/** Reads the configuration; throws `RangeError` naming a bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): NodeConfig {
  return {
    port: intEnv(env, "PORT", 8000),
    hostname: env.TMS_HOSTNAME ?? "0.0.0.0",
    dataDir: env.TMS_DATA_DIR ?? "./data",
    snapshotEvery: intEnv(env, "TMS_SNAPSHOT_EVERY", 100),
    mailboxCapacity: intEnv(env, "TMS_MAILBOX_CAPACITY", 1000),
    idleTimeoutMs: intEnv(env, "TMS_IDLE_TIMEOUT_MS", 300_000),
    maxActive: intEnv(env, "TMS_MAX_ACTIVE_ACTORS", 100_000),
    requestTimeoutMs: intEnv(env, "TMS_REQUEST_TIMEOUT_MS", 10_000),
    natsUrl: env.TMS_NATS_URL || undefined,
    nodeId: env.TMS_NODE_ID ||
      `${Deno.hostname()}-${Deno.pid}`.replace(/[^-\w=]/g, "_"),
    shards: intEnv(env, "TMS_SHARDS", 64),
    leaseTtlMs: intEnv(env, "TMS_LEASE_TTL_MS", 10_000),
    streamReplicas: intEnv(env, "TMS_STREAM_REPLICAS", 1),
    databaseUrl: env.DATABASE_URL || undefined,
    readSchema: env.TMS_READ_SCHEMA || undefined,
    minPositionTimeoutMs: intEnv(env, "TMS_MIN_POSITION_TIMEOUT_MS", 5000),
    projections: projectionsEnv(env),
    projectionLingerMs: intEnv(env, "TMS_PROJECTION_LINGER_MS", 50),
  };
}

function projectionsEnv(env: Record<string, string | undefined>): boolean {
  const raw = env.TMS_PROJECTIONS || "on";
  if (raw !== "on" && raw !== "off") {
    throw new RangeError(`TMS_PROJECTIONS must be "on" or "off", got "${raw}"`);
  }
  if (raw === "off" && !env.DATABASE_URL) {
    throw new RangeError(
      "TMS_PROJECTIONS=off needs DATABASE_URL: the node reads the read models another node projects into it",
    );
  }
  return raw === "on";
}

/** A running node: its parts, and how to stop it. */
export interface Node {
  system: ActorSystem;
  log: EventLog;
  server: Deno.HttpServer;
  /** Shard placement and routing, in distributed mode. */
  cluster?: ClusterNode;
  /** Projections into this node's own PGlite read models. */
  projections?: ProjectionEngine;
  /** Projections into a shared PostgreSQL: run here while this node holds the projector lease. */
  leased?: LeasedProjections;
  stop(): Promise<void>;
}

/** Opens the event log, starts the actor system and serves the edge. */
export async function startNode(config: NodeConfig): Promise<Node> {
  const nc = config.natsUrl ? await connectNats(config) : null;
  let stored: EventLog;
  try {
    stored = nc
      ? await JetStreamEventLog.open(nc, { replicas: config.streamReplicas })
      : await openKvLog(config);
  } catch (error) {
    await nc?.close();
    throw error;
  }
  // Actors, projections and the follower all read current events.
  const log = withDomainUpcasters(stored);
  const system = registerActors(
    new ActorSystem({
      log,
      snapshotEvery: config.snapshotEvery,
      mailboxCapacity: config.mailboxCapacity,
      idleTimeoutMs: config.idleTimeoutMs,
      maxActive: config.maxActive,
      // A NATS outage must not park actors past the reconnect.
      parkMs: nc ? 1000 : undefined,
    }),
  );
  const cluster = nc
    ? await ClusterNode.start({
      nc,
      system,
      nodeId: config.nodeId,
      shards: config.shards,
      leaseTtlMs: config.leaseTtlMs,
      replicas: config.streamReplicas,
      requestTimeoutMs: config.requestTimeoutMs,
    })
    : undefined;
  const domain = await openDomainServices(
    config.dataDir,
    cluster?.client ?? system,
    undefined,
    nc ? { nc, replicas: config.streamReplicas } : undefined,
  );
  const store = await openSqlStore(
    config.databaseUrl
      ? { databaseUrl: config.databaseUrl, schema: config.readSchema }
      : { dataDir: `${config.dataDir}/readmodel`, schema: config.readSchema },
  );
  // Distributed nodes sharing PostgreSQL elect one projector through a lease;
  // an embedded node (its log is its own) always projects.
  const engineOptions = {
    // Other nodes' commits are seen by polling; local ones by `watch`.
    pollIntervalMs: nc ? 250 : 1000,
    lingerMs: config.projectionLingerMs,
  };
  const leased = config.projections && nc && store.backend === "postgres"
    ? new LeasedProjections({
      store,
      log,
      projections: readModelProjections,
      holder: config.nodeId,
      ttlMs: config.leaseTtlMs,
      engine: engineOptions,
      onRole: (role) =>
        console.log(`Read models: this node is the ${role} (${config.nodeId})`),
    })
    : undefined;
  const projections = config.projections && !leased
    ? new ProjectionEngine({
      store,
      log,
      projections: readModelProjections,
      ...engineOptions,
    })
    : undefined;
  await projections?.start();
  await leased?.start();
  const app = createApp({
    ...domain.edge,
    system,
    client: cluster?.client,
    readiness: () =>
      Promise.resolve({
        ...(projections
          ? { projections: projectionReadiness(projections) }
          : {}),
        ...(leased ? { projections: leasedReadiness(leased) } : {}),
        ...(cluster ? { cluster: cluster.readiness() } : {}),
      }),
    metrics: async () =>
      (projections ? projectionMetrics(projections) : "") +
      (leased ? leasedMetrics(leased) : "") +
      (stored instanceof KvEventLog ? kvLogMetrics(stored) : "") +
      (cluster ? await cluster.metrics() : ""),
    requestTimeoutMs: config.requestTimeoutMs,
    readSide: {
      store,
      positions: projections ?? leased ??
        new ProjectionFollower({
          store,
          log,
          projections: readModelProjections,
        }),
      minPositionTimeoutMs: config.minPositionTimeoutMs,
    },
  });
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) =>
      console.log(
        `TMS listening on http://${hostname}:${port} (data in ${config.dataDir})`,
      ),
  }, app.fetch);
  let stopping: Promise<void> | undefined;
  return {
    system,
    log,
    server,
    cluster,
    projections,
    leased,
    stop: () =>
      stopping ??= (async () => {
        await server.shutdown();
        await projections?.stop();
        await leased?.stop();
        await store.close();
        await domain.stop();
        await cluster?.stop();
        await system.shutdown();
        await log.close();
        await nc?.close();
      })(),
  };
}

/** Prometheus lines of the embedded log: its group commits and index backlog. */
function kvLogMetrics(log: KvEventLog): string {
  const s = log.stats();
  return [
    "# TYPE tms_event_log_commits_total counter",
    `tms_event_log_commits_total ${s.commits}`,
    "# TYPE tms_event_log_atomics_total counter",
    `tms_event_log_atomics_total ${s.atomics}`,
    "# HELP tms_event_log_unindexed_commits Commits not yet in the stream index (served from memory)",
    "# TYPE tms_event_log_unindexed_commits gauge",
    `tms_event_log_unindexed_commits ${s.unindexed}`,
    log.commitLatency.prometheus(
      "tms_event_log_commit_seconds",
      "Duration of one group-commit atomic of the Deno KV log, fsync included",
    ),
  ].join("\n");
}

async function openKvLog(config: NodeConfig): Promise<EventLog> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  return await KvEventLog.open(`${config.dataDir}/events.kv`);
}

function connectNats(config: NodeConfig): Promise<NatsConnection> {
  return natsConnect({
    servers: config.natsUrl!.split(","),
    name: `tms-${config.nodeId}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // An Error (with its stack) per request halves the commit rate.
    noAsyncTraces: true,
  });
}

if (import.meta.main) {
  let node: Node;
  try {
    node = await startNode(loadConfig());
  } catch (error) {
    console.error(
      `TMS failed to start: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, async () => {
      console.log(`${signal}: draining and stopping`);
      await node.stop();
      Deno.exit(0);
    });
  }
}
