/**
 * TMS node: reads configuration from the environment, wires the backends and
 * serves the HTTP edge. `deno task start`.
 */
import {
  domainEventLog,
  readModelProjections,
  registerActors,
} from "./actors/mod.ts";
import { createApp } from "./http/mod.ts";
import { API_VERSIONS, isApiVersion, LATEST_VERSION } from "./http/versions.ts";
import type { ApiVersion } from "./http/versions.ts";
import { openDomainServices, openKeyStore } from "./ops/domain_services.ts";
import {
  identityConfigFromEnv,
  openIdentityServices,
} from "./ops/identity_services.ts";
import type { IdentityConfig } from "./ops/identity_services.ts";
import { ActorSystem, commandRetrier } from "./runtime/actor/mod.ts";
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
  projectionRetrier,
} from "./runtime/projection/mod.ts";
import { openSqlStore } from "./runtime/sql/mod.ts";
import {
  DeadLetterOffice,
  KvDeadLetterStore,
  NatsDeadLetterStore,
} from "./runtime/storage/mod.ts";
import { DeadLetterKeys, delay, UnavailableError } from "./runtime/core/mod.ts";
import type { DeadLetterStore, EventLog } from "./runtime/core/mod.ts";
import type { KeyStore } from "./runtime/storage/mod.ts";
import { processMetrics } from "./runtime/telemetry/mod.ts";
import { newestArchive } from "./ops/backup_support.ts";
import { runTask } from "./ops/cli.ts";
import type { EnvSpec, TaskSpec } from "./ops/cli.ts";
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
  /**
   * Days a resolved or rejected dead letter is kept before it is deleted
   * (`TMS_DEAD_LETTER_RETENTION_DAYS`, 30; 0 keeps them). Open ones stay
   * until they are handled.
   */
  deadLetterRetentionDays: number;
  /**
   * The directory `deno task backup` writes into (`TMS_BACKUP_DIR`), if this
   * node can see it: `/metrics` then tells the age of its newest data
   * archive, for the backup-age alert.
   */
  backupDir?: string;
  /** The API version an unversioned `/api/…` request gets (`TMS_API_DEFAULT_VERSION`, 2). */
  defaultApiVersion: ApiVersion;
  /** Authentication and the first ADMIN (`TMS_AUTH`, `TMS_ADMIN_*`, `TMS_TOKEN_*`, `TMS_METRICS_TOKEN`). */
  identity: Omit<IdentityConfig, "nats">;
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

/**
 * Every variable the node reads at start, in the README's order: what
 * `deno task start --help` prints (tests/config_test.ts keeps it equal to the
 * README's table).
 */
export const CONFIG_ENV: EnvSpec[] = [
  { name: "PORT", default: "8000", description: "HTTP port" },
  {
    name: "TMS_HOSTNAME",
    default: "0.0.0.0",
    description: "interface to listen on",
  },
  {
    name: "TMS_DATA_DIR",
    default: "./data",
    description: "embedded data: events.kv, readmodel/ (PGlite), files/, keys/",
  },
  {
    name: "TMS_SNAPSHOT_EVERY",
    default: "100",
    description: "snapshot an actor every N commits (0 = never)",
  },
  {
    name: "TMS_MAILBOX_CAPACITY",
    default: "1000",
    description: "messages waiting per actor before 429",
  },
  {
    name: "TMS_IDLE_TIMEOUT_MS",
    default: "300000",
    description: "passivate an actor idle this long",
  },
  {
    name: "TMS_MAX_ACTIVE_ACTORS",
    default: "100000",
    description: "activations held at once (LRU passivation beyond)",
  },
  {
    name: "TMS_REQUEST_TIMEOUT_MS",
    default: "10000",
    description: "deadline of one HTTP request (also of a forwarded ask)",
  },
  {
    name: "DATABASE_URL",
    description:
      "read models in PostgreSQL; unset: PGlite in TMS_DATA_DIR/readmodel",
  },
  {
    name: "TMS_READ_SCHEMA",
    default: "public",
    description: "schema of the read models",
  },
  {
    name: "TMS_MIN_POSITION_TIMEOUT_MS",
    default: "5000",
    description: "how long a query waits for X-TMS-Min-Position",
  },
  {
    name: "TMS_PROJECTIONS",
    default: "on",
    description:
      "on: run the projections (distributed with PostgreSQL: while holding the projector lease); off: never (needs DATABASE_URL)",
  },
  {
    name: "TMS_PROJECTION_LINGER_MS",
    default: "50",
    description:
      "how long a projection at the feed head gathers commits into its next batch",
  },
  {
    name: "TMS_NATS_URL",
    description:
      "NATS servers (comma-separated): switches the node to distributed mode",
  },
  {
    name: "TMS_NODE_ID",
    default: "<hostname>-<pid>",
    description: "unique node id in the cluster (letters, digits, -_=)",
  },
  {
    name: "TMS_SHARDS",
    default: "64",
    description: "shard count; the same on every node",
  },
  {
    name: "TMS_LEASE_TTL_MS",
    default: "10000",
    description: "shard and projector lease TTL, the same on every node",
  },
  {
    name: "TMS_STREAM_REPLICAS",
    default: "1",
    description: "replicas of the stream and buckets when first created",
  },
  {
    name: "TMS_CRONS",
    default: "on",
    description: "off leaves out the scheduled jobs",
  },
  {
    name: "TMS_DEAD_LETTER_RETENTION_DAYS",
    default: "30",
    description:
      "days a resolved or rejected dead letter is kept before it is deleted (0: kept)",
  },
  {
    name: "TMS_API_DEFAULT_VERSION",
    default: "2",
    description:
      "API version of an unversioned /api/ request without X-API-Version or a versioned Accept (1 or 2)",
  },
  {
    name: "TMS_RATES_FILE",
    description:
      "JSON file with dated rates added to the built-in table (late-payment interest, inkassosats)",
  },
  {
    name: "TMS_BACKUP_DIR",
    description:
      "directory deno task backup writes into: /metrics shows the time of its newest data archive",
  },
];

/** `deno task start`: its usage text. */
export const startTask: TaskSpec = {
  name: "start",
  summary:
    "Starts a TMS node: reads its configuration from the environment, opens the event log and read models, serves HTTP.",
  details:
    `Embedded by default (Deno KV and PGlite under TMS_DATA_DIR, no services);
distributed with TMS_NATS_URL. A bad value stops the node at start with a
one-line reason. SIGINT or SIGTERM drains and stops it.`,
  env: CONFIG_ENV,
  examples: [
    "deno task start",
    "PORT=8080 TMS_DATA_DIR=/var/lib/tms deno task start",
  ],
};

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
    deadLetterRetentionDays: intEnv(env, "TMS_DEAD_LETTER_RETENTION_DAYS", 30),
    backupDir: env.TMS_BACKUP_DIR || undefined,
    defaultApiVersion: apiVersionEnv(env),
    identity: identityConfigFromEnv(env, env.TMS_DATA_DIR ?? "./data"),
  };
}

function apiVersionEnv(env: Record<string, string | undefined>): ApiVersion {
  const raw = env.TMS_API_DEFAULT_VERSION || String(LATEST_VERSION);
  const version = Number(raw);
  if (!/^\d+$/.test(raw) || !isApiVersion(version)) {
    throw new RangeError(
      `TMS_API_DEFAULT_VERSION must be one of ${
        API_VERSIONS.join(", ")
      }, got "${raw}"`,
    );
  }
  return version;
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
  /** Records dead letters and performs the retries an operator requests. */
  deadLetters: DeadLetterOffice;
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
  let deadLetterStore: DeadLetterStore;
  try {
    deadLetterStore = nc
      ? await NatsDeadLetterStore.open(nc, { replicas: config.streamReplicas })
      : await KvDeadLetterStore.open(
        `${config.dataDir}/${DeadLetterKeys.kvFile}`,
      );
  } catch (error) {
    await stored.close();
    await nc?.close();
    throw error;
  }
  // Records from the start; performs retries once everything is up.
  const deadLetters = new DeadLetterOffice({
    store: deadLetterStore,
    node: config.nodeId,
    retentionMs: config.deadLetterRetentionDays * 24 * 60 * 60_000,
  });
  let keys: KeyStore;
  try {
    keys = await openKeyStore(
      config.dataDir,
      nc ? { nc, replicas: config.streamReplicas } : undefined,
    );
  } catch (error) {
    await deadLetterStore.close();
    await stored.close();
    await nc?.close();
    throw error;
  }
  // Actors, projections and the follower all read current events, with
  // personal data opened; what reaches the stored log is sealed.
  const log = domainEventLog(stored, keys);
  const system = registerActors(
    new ActorSystem({
      log,
      snapshotEvery: config.snapshotEvery,
      mailboxCapacity: config.mailboxCapacity,
      idleTimeoutMs: config.idleTimeoutMs,
      maxActive: config.maxActive,
      // A NATS outage must not park actors past the reconnect.
      parkMs: nc ? 1000 : undefined,
      onDeadLetter: (letter) => deadLetters.record(letter),
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
    { keys },
  );
  const identity = await openIdentityServices({
    ...config.identity,
    nats: nc ? { nc, replicas: config.streamReplicas } : undefined,
  }, domain.edge.keys);
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
    onDeadLetter: deadLetters.record.bind(deadLetters),
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
  deadLetters.start({
    // Through the router: the shard's owner handles the command.
    command: commandRetrier(cluster?.client ?? system, log),
    // Only the node that runs the engine can resume a projection.
    projection: projectionRetrier(() => leased ? leased.engine : projections),
  });
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
        deadLetters: deadLetters.readiness(),
      }),
    metrics: async () =>
      (projections ? projectionMetrics(projections) : "") +
      (leased ? leasedMetrics(leased) : "") +
      (stored instanceof KvEventLog ? kvLogMetrics(stored) : "") +
      (cluster ? await cluster.metrics() : "") +
      deadLetters.metrics() +
      await logUpMetric(log) +
      await processMetrics() +
      (config.backupDir ? await backupMetric(config.backupDir) : ""),
    requestTimeoutMs: config.requestTimeoutMs,
    defaultApiVersion: config.defaultApiVersion,
    auth: identity.auth,
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
  const bootstrapping = bootstrapWithRetries(
    () => identity.bootstrap(cluster?.client ?? system),
  );
  let stopping: Promise<void> | undefined;
  return {
    system,
    log,
    server,
    cluster,
    projections,
    leased,
    deadLetters,
    stop: () =>
      stopping ??= (async () => {
        await server.shutdown();
        await bootstrapping;
        await deadLetters.stop();
        await projections?.stop();
        await leased?.stop();
        await store.close();
        await identity.close();
        await domain.stop();
        await cluster?.stop();
        await system.shutdown();
        // What the last commands reported while draining.
        await deadLetters.flush();
        await deadLetterStore.close();
        await log.close();
        await nc?.close();
      })(),
  };
}

/**
 * Creates the first ADMIN once the node can reach its actors: in a cluster
 * the shard may have no owner for a moment after start (503), so it tries
 * again for a while; a failure is logged, never fatal.
 */
async function bootstrapWithRetries(run: () => Promise<void>): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof UnavailableError) || attempt >= 60) {
        console.error("Creating the first ADMIN failed:", error);
        return;
      }
      await delay(500);
    }
  }
}

let newestBackup: { at: number; checked: number } | null = null;

/**
 * `tms_backup_last_success_timestamp_seconds`: when the newest data archive
 * in the backup directory was taken (by its name; an archive gets its name
 * only once complete), 0 when there is none. Read at most every 30 s.
 */
async function backupMetric(dir: string): Promise<string> {
  if (!newestBackup || Date.now() - newestBackup.checked > 30_000) {
    const newest = await newestArchive(dir).catch(() => null);
    newestBackup = {
      at: newest ? newest.at.getTime() / 1000 : 0,
      checked: Date.now(),
    };
  }
  return [
    "# HELP tms_backup_last_success_timestamp_seconds When the newest complete data backup in TMS_BACKUP_DIR was taken",
    "# TYPE tms_backup_last_success_timestamp_seconds gauge",
    `tms_backup_last_success_timestamp_seconds ${newestBackup.at}`,
  ].join("\n") + "\n";
}

/** `tms_event_log_up`: 1 when the log answers a head read within a second. */
async function logUpMetric(log: EventLog): Promise<string> {
  let up = 1;
  try {
    await log.headPosition({ signal: AbortSignal.timeout(1000) });
  } catch {
    up = 0;
  }
  return [
    "# HELP tms_event_log_up 1 when the event log answers a head read within a second",
    "# TYPE tms_event_log_up gauge",
    `tms_event_log_up ${up}`,
  ].join("\n") + "\n";
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
  await runTask(startTask, async () => {
    const node = await startNode(loadConfig());
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, async () => {
        console.log(`${signal}: draining and stopping`);
        await node.stop();
        Deno.exit(0);
      });
    }
  });
}
