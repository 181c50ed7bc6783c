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
import { openIdentityServices } from "./ops/identity_services.ts";
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
import { initTracing, processMetrics } from "./runtime/telemetry/mod.ts";
import { runTask } from "./ops/cli.ts";
import { loadConfig, startTask } from "./ops/node_config.ts";
import type { NodeConfig } from "./ops/node_config.ts";
import { backupMetric, kvLogMetrics, logUpMetric } from "./ops/node_metrics.ts";
import { openRealtimeServices } from "./ops/realtime_services.ts";
import { openWebhookServices } from "./ops/webhook_services.ts";
import type { WebhookNodeServices } from "./ops/webhook_services.ts";
import { WEBHOOK_OUTBOX_PROJECTION } from "./actors/webhook/mod.ts";
import type { RealtimeServices } from "./ops/realtime_services.ts";

export { CONFIG_ENV, loadConfig, startTask } from "./ops/node_config.ts";
export type { NodeConfig } from "./ops/node_config.ts";
import { natsConnect } from "./deps.ts";
import type { NatsConnection } from "./deps.ts";

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
  /** SSE and WebSocket fan-out of this node. */
  realtime: RealtimeServices;
  /** Webhook subscriptions, the outbox and (where it sends) the dispatcher. */
  webhooks: WebhookNodeServices;
  stop(): Promise<void>;
}

/** Opens the event log, starts the actor system and serves the edge. */
export async function startNode(config: NodeConfig): Promise<Node> {
  await initTracing();
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
  // The webhook outbox is one per cluster where the projections are:
  // embedded, or the projector of a shared PostgreSQL.
  // Set once the lease exists: the dispatcher sends only on the projector.
  let isProjector = () => true;
  const webhooks = openWebhookServices({
    log,
    store,
    keys: domain.edge.keys,
    config: config.webhooks,
    dispatch: config.projections && (!nc || store.backend === "postgres"),
    active: () => isProjector(),
  });
  const projected = webhooks.projection
    ? [...readModelProjections, webhooks.projection]
    : readModelProjections;
  // Distributed nodes sharing PostgreSQL elect one projector through a lease;
  // an embedded node (its log is its own) always projects.
  const engineOptions = {
    // Other nodes' commits are seen by polling; local ones by `watch`.
    pollIntervalMs: nc ? 250 : 1000,
    lingerMs: config.projectionLingerMs,
    onDeadLetter: deadLetters.record.bind(deadLetters),
    onBatch: (batch: { projection: string }) => {
      if (batch.projection === WEBHOOK_OUTBOX_PROJECTION) {
        webhooks.dispatcher?.wake();
      }
    },
  };
  const leased = config.projections && nc && store.backend === "postgres"
    ? new LeasedProjections({
      store,
      log,
      projections: projected,
      holder: config.nodeId,
      ttlMs: config.leaseTtlMs,
      engine: engineOptions,
      onRole: (role) =>
        console.log(`Read models: this node is the ${role} (${config.nodeId})`),
    })
    : undefined;
  if (leased) isProjector = () => leased.role === "projector";
  const projections = config.projections && !leased
    ? new ProjectionEngine({
      store,
      log,
      projections: projected,
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
  webhooks.start();
  const realtime = await openRealtimeServices(
    log,
    config.realtime,
    nc ? { nc, replicas: config.streamReplicas } : undefined,
  );
  const app = createApp({
    ...domain.edge,
    system,
    client: cluster?.client,
    readiness: async () => ({
      ...(projections ? { projections: projectionReadiness(projections) } : {}),
      ...(leased ? { projections: leasedReadiness(leased) } : {}),
      ...(cluster ? { cluster: cluster.readiness() } : {}),
      deadLetters: deadLetters.readiness(),
      webhooks: await webhooks.readiness(),
    }),
    metrics: async () =>
      (projections ? projectionMetrics(projections) : "") +
      (leased ? leasedMetrics(leased) : "") +
      (stored instanceof KvEventLog ? kvLogMetrics(stored) : "") +
      (cluster ? await cluster.metrics() : "") +
      deadLetters.metrics() +
      realtime.metrics() +
      await webhooks.metrics() +
      await logUpMetric(log) +
      await processMetrics() +
      (config.backupDir ? await backupMetric(config.backupDir) : ""),
    requestTimeoutMs: config.requestTimeoutMs,
    defaultApiVersion: config.defaultApiVersion,
    auth: identity.auth,
    realtime: realtime.edge,
    webhooks: webhooks.edge,
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
    realtime,
    webhooks,
    stop: () =>
      stopping ??= (async () => {
        // Open streams end first: the server waits for every response.
        await realtime.stop();
        await server.shutdown();
        await bootstrapping;
        await deadLetters.stop();
        await webhooks.stop();
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
