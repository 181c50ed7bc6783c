/**
 * A node's configuration: every environment variable it reads at start
 * (`CONFIG_ENV`, what `deno task start --help` prints and the README's table
 * lists — tests/config_test.ts keeps the two equal), their defaults and
 * checks. A bad value is a `RangeError` naming the variable.
 */
import {
  API_VERSIONS,
  isApiVersion,
  LATEST_VERSION,
} from "../http/versions.ts";
import type { ApiVersion } from "../http/versions.ts";
import {
  edgeSecurityFromEnv,
  identityConfigFromEnv,
} from "./identity_services.ts";
import type { EdgeSecurity } from "../http/mod.ts";
import type { IdentityConfig } from "./identity_services.ts";
import type { EnvSpec, TaskSpec } from "./cli.ts";
import { DEFAULT_CHAOS_SETTINGS } from "../actors/supervisors/chaos/mod.ts";
import type { ChaosSettings } from "../actors/supervisors/chaos/mod.ts";
import { AUTOSCALE_ENV, autoscaleConfigFromEnv } from "./autoscale_config.ts";
import type { AutoscaleConfig } from "./autoscale_config.ts";
import { REALTIME_ENV } from "./realtime_services.ts";
import type { RealtimeConfig } from "./realtime_services.ts";
import { WEBHOOK_ENV, webhookConfigFromEnv } from "./webhook_services.ts";
import type { WebhookConfig } from "./webhook_services.ts";

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
  /** The integration relay and its published contract. */
  integration: IntegrationConfig;
  /**
   * The chaos supervisor (`TMS_CHAOS`, `TMS_CHAOS_MAX_DURATION_S`,
   * `TMS_CHAOS_BLAST_RADIUS_LIMIT`): off unless `TMS_CHAOS=on`.
   */
  chaos: ChaosSettings;
  /** Authentication and the first ADMIN (`TMS_AUTH`, `TMS_ADMIN_*`, `TMS_TOKEN_*`, `TMS_METRICS_TOKEN`). */
  identity: Omit<IdentityConfig, "nats">;
  /** CORS, trusted proxies, rate limits (`TMS_CORS_ORIGINS`, `TMS_TRUSTED_PROXIES`, `TMS_RATE_LIMIT_*`). */
  security: EdgeSecurity;
  /** The autoscaler (`TMS_AUTOSCALE*`, `KUBECONFIG`). */
  autoscale: AutoscaleConfig;
  /** SSE and WebSocket limits (`TMS_REALTIME_*`). */
  realtime: RealtimeConfig;
  /** Webhook retries, timeout and the SSRF switch (`TMS_WEBHOOK_*`). */
  webhooks: WebhookConfig;
}

/** The integration relay's configuration. */
export interface IntegrationConfig {
  /**
   * NATS the relay publishes `TMS_INTEGRATION` to (`TMS_INTEGRATION_NATS_URL`):
   * embedded, the relay runs only when it is set; distributed, it defaults to
   * the cluster's NATS.
   */
  natsUrl?: string;
  /** Days `TMS_INTEGRATION` keeps a message (`TMS_INTEGRATION_MAX_AGE_DAYS`, 7; 0: forever). */
  maxAgeDays: number;
  /** This installation's name (`TMS_CLUSTER_NAME`, `tms`): `ce-source` is `/tms/<name>`. */
  clusterName: string;
  /** Where the node is reached from outside (`TMS_PUBLIC_URL`): `ce-dataschema` and AsyncAPI URLs. */
  publicUrl: string;
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

function positiveEnv(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
): number {
  const value = intEnv(env, name, fallback);
  if (value === 0) throw new RangeError(`${name} must be at least 1`);
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
    description:
      "embedded data: events.kv, readmodel/ (PGlite), files/, keys.kv",
  },
  {
    name: "TMS_SNAPSHOT_EVERY",
    default: "100",
    description:
      "snapshot an actor every N commits (0 = never); an actor with a large state every up to 10 N (one commit per 128 characters of its state's JSON)",
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
    description:
      "shard, projector and integration relay lease TTL, the same on every node",
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
  {
    name: "TMS_CORS_ORIGINS",
    description:
      "exact origins (comma-separated) that may call cross-origin; unset: no CORS",
  },
  {
    name: "TMS_TRUSTED_PROXIES",
    description:
      "proxy addresses or CIDR blocks (comma-separated) whose X-Forwarded-For/-Proto are believed; unset: none",
  },
  {
    name: "TMS_RATE_LIMIT_PER_USER",
    default: "100000/1m",
    description:
      "requests per principal per node, <requests>/<window> (s, m, h), or off",
  },
  {
    name: "TMS_RATE_LIMIT_PER_ADDRESS",
    default: "200000/1m",
    description:
      "/api/ requests per client address (IPv6: per /64) per node, or off",
  },
  {
    name: "TMS_AUTH",
    default: "on",
    description:
      "off makes every caller a platform ADMIN: for benchmarks only (warns)",
  },
  {
    name: "TMS_ADMIN_EMAIL",
    description: "the first ADMIN's address (with TMS_ADMIN_PASSWORD)",
  },
  {
    name: "TMS_ADMIN_PASSWORD",
    description:
      "its password; without both, one is generated into initial-admin-password",
  },
  {
    name: "TMS_TOKEN_ISSUER",
    default: "tms",
    description: "iss of the access tokens",
  },
  {
    name: "TMS_TOKEN_AUDIENCE",
    default: "tms-api",
    description: "aud of the access tokens",
  },
  {
    name: "TMS_METRICS_TOKEN",
    description: "a bearer token that may read /metrics",
  },
  {
    name: "TMS_LOGIN_FAILURES_PER_ADDRESS",
    default: "20",
    description: "failed logins per client address per 15 minutes (per node)",
  },
  {
    name: "TMS_INTEGRATION_NATS_URL",
    description:
      "NATS the integration relay publishes TMS_INTEGRATION to (embedded: the relay runs only when set; distributed: default the cluster's)",
  },
  {
    name: "TMS_INTEGRATION_MAX_AGE_DAYS",
    default: "7",
    description:
      "days the TMS_INTEGRATION stream keeps a message (0: forever); applied at start",
  },
  {
    name: "TMS_CLUSTER_NAME",
    default: "tms",
    description:
      "name of this installation (an embedded node or a cluster): integration events' ce-source is /tms/<name>",
  },
  {
    name: "TMS_PUBLIC_URL",
    default: "http://localhost:<PORT>",
    description:
      "the node's URL as outsiders reach it: ce-dataschema and the AsyncAPI document name schemas under it",
  },
  {
    name: "TMS_CHAOS",
    default: "off",
    description:
      "on: the chaos supervisor's API and control plane answer on this node (ADMIN only); off: 403",
  },
  {
    name: "TMS_CHAOS_MAX_DURATION_S",
    default: "1800",
    description:
      "longest fault and experiment (maxExperimentDuration); longer ones are refused, a run past it aborts",
  },
  {
    name: "TMS_CHAOS_BLAST_RADIUS_LIMIT",
    default: "25",
    description:
      "percent of the system one fault may reach (blastRadiusLimit); above it 422 unless an ADMIN forces it",
  },
  ...AUTOSCALE_ENV,
  ...REALTIME_ENV,
  ...WEBHOOK_ENV,
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
    integration: integrationEnv(env),
    chaos: chaosEnv(env),
    identity: identityConfigFromEnv(env, env.TMS_DATA_DIR ?? "./data"),
    security: edgeSecurityFromEnv(env),
    autoscale: autoscaleConfigFromEnv(env),
    realtime: {
      maxBacklog: positiveEnv(env, "TMS_REALTIME_MAX_BACKLOG", 1000),
      maxBacklogBytes: positiveEnv(
        env,
        "TMS_REALTIME_MAX_BACKLOG_BYTES",
        4 * 1024 * 1024,
      ),
      heartbeatMs: positiveEnv(env, "TMS_REALTIME_HEARTBEAT_MS", 15_000),
    },
    webhooks: webhookConfigFromEnv(env),
  };
}

function integrationEnv(
  env: Record<string, string | undefined>,
): IntegrationConfig {
  const clusterName = env.TMS_CLUSTER_NAME || "tms";
  if (!/^[-\w.]+$/.test(clusterName)) {
    throw new RangeError(
      `TMS_CLUSTER_NAME may hold letters, digits, "-", "_" and ".", got "${clusterName}"`,
    );
  }
  const publicUrl = env.TMS_PUBLIC_URL ||
    `http://localhost:${intEnv(env, "PORT", 8000)}`;
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new RangeError(`TMS_PUBLIC_URL must be a URL, got "${publicUrl}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new RangeError(`TMS_PUBLIC_URL must be http(s), got "${publicUrl}"`);
  }
  return {
    natsUrl: env.TMS_INTEGRATION_NATS_URL || undefined,
    maxAgeDays: intEnv(env, "TMS_INTEGRATION_MAX_AGE_DAYS", 7),
    clusterName,
    publicUrl: parsed.href.replace(/\/$/, ""),
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

function chaosEnv(env: Record<string, string | undefined>): ChaosSettings {
  const raw = env.TMS_CHAOS || "off";
  if (raw !== "on" && raw !== "off") {
    throw new RangeError(`TMS_CHAOS must be "on" or "off", got "${raw}"`);
  }
  const limit = intEnv(
    env,
    "TMS_CHAOS_BLAST_RADIUS_LIMIT",
    DEFAULT_CHAOS_SETTINGS.blastRadiusLimit * 100,
  );
  if (limit > 100) {
    throw new RangeError(
      `TMS_CHAOS_BLAST_RADIUS_LIMIT must be a percent from 0 to 100, got "${limit}"`,
    );
  }
  const maxDurationS = intEnv(
    env,
    "TMS_CHAOS_MAX_DURATION_S",
    DEFAULT_CHAOS_SETTINGS.maxDurationS,
  );
  if (maxDurationS === 0) {
    throw new RangeError("TMS_CHAOS_MAX_DURATION_S must be at least 1");
  }
  return { enabled: raw === "on", maxDurationS, blastRadiusLimit: limit / 100 };
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
