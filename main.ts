/**
 * TMS node: reads configuration from the environment, wires the backends and
 * serves the HTTP edge. `deno task start`.
 */
import {
  domainEventLog,
  readModelProjections,
  registerActors,
} from "./actors/mod.ts";
import { budgetProcess } from "./actors/budget/mod.ts";
import { checkReadiness, createApp } from "./http/mod.ts";
import type { EdgeDeps } from "./http/mod.ts";
import { openDomainServices, openKeyStore } from "./ops/domain_services.ts";
import { openIdentityServices } from "./ops/identity_services.ts";
import { ActorSystem, commandRetrier } from "./runtime/actor/mod.ts";
import type { ActorClient } from "./runtime/actor/mod.ts";
import { ClusterNode, shardOf } from "./runtime/cluster/mod.ts";
import {
  ChaosAgent,
  ChaosEventLog,
  ChaosFileStore,
  chaosMetrics,
  ChaosNatsProxy,
  ChaosSqlStore,
  FaultRegistry,
  LocalChaosControl,
  NatsChaosControl,
  ProcessFaults,
} from "./runtime/chaos/mod.ts";
import type { ActiveFault, ChaosControl } from "./runtime/chaos/mod.ts";
import { ChaosSupervisor, NodeProbes } from "./actors/supervisors/chaos/mod.ts";
import { JetStreamEventLog } from "./runtime/log/jetstream/mod.ts";
import { KvEventLog } from "./runtime/log/kv/mod.ts";
import {
  FeedProcessor,
  leasedMetrics,
  LeasedProjections,
  leasedReadiness,
  ProcessorHost,
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
import {
  ChaosFiles,
  DeadLetterKeys,
  delay,
  UnavailableError,
} from "./runtime/core/mod.ts";
import type { DeadLetterStore, EventLog } from "./runtime/core/mod.ts";
import type { KeyStore } from "./runtime/storage/mod.ts";
import {
  initTracing,
  processMetrics,
  RedMetrics,
} from "./runtime/telemetry/mod.ts";
import {
  diskCheck,
  faultsCheck,
  sqlCheck,
  StartupTracker,
} from "./ops/node_health.ts";
import { streamLeaderHead } from "./runtime/autoscale/mod.ts";
import {
  AutoscaleNode,
  MeasuredClient,
} from "./actors/supervisors/autoscale/mod.ts";
import { openActuator } from "./ops/autoscale_config.ts";
import { runTask } from "./ops/cli.ts";
import { loadConfig, startTask } from "./ops/node_config.ts";
import type { NodeConfig } from "./ops/node_config.ts";
import { backupMetric, kvLogMetrics, logUpMetric } from "./ops/node_metrics.ts";
import {
  integrationSource,
  startIntegrationRelay,
} from "./ops/integration_relay.ts";
import type { IntegrationRelay } from "./ops/integration_relay.ts";
import { openRealtimeServices } from "./ops/realtime_services.ts";
import { openWebhookServices } from "./ops/webhook_services.ts";
import type { WebhookNodeServices } from "./ops/webhook_services.ts";
import { WEBHOOK_OUTBOX_PROJECTION } from "./actors/webhook/mod.ts";
import type { RealtimeServices } from "./ops/realtime_services.ts";

export { CONFIG_ENV, loadConfig, startTask } from "./ops/node_config.ts";
export type { NodeConfig } from "./ops/node_config.ts";
import { jetstreamManager, natsConnect } from "./deps.ts";
import { natsServerList } from "./ops/nats_url.ts";
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
  /** The process managers (the budget's), run where the projections run. */
  processors: ProcessorHost;
  /** The integration relay (null: embedded without `TMS_INTEGRATION_NATS_URL`). */
  integration: IntegrationRelay | null;
  /** The faults this node holds, and its chaos supervisor. */
  faults: FaultRegistry;
  chaos: ChaosSupervisor;
  /** The node's sampler and autoscale supervisor (off by default). */
  autoscale: AutoscaleNode;
  /** SSE and WebSocket fan-out of this node. */
  realtime: RealtimeServices;
  /** Webhook subscriptions, the outbox and (where it sends) the dispatcher. */
  webhooks: WebhookNodeServices;
  stop(): Promise<void>;
}

/** Opens the event log, starts the actor system and serves the edge. */
export async function startNode(config: NodeConfig): Promise<Node> {
  await initTracing();
  const startup = new StartupTracker();
  // Every seam is wired (one check each while no fault is active); only a
  // node with TMS_CHAOS=on can be given a fault.
  const faults = new FaultRegistry({
    node: config.nodeId,
    shardOf: (type, id) => shardOf(type, id, config.shards),
    maxDurationMs: config.chaos.maxDurationS * 1000,
  });
  // The data connection runs through the chaos proxy (nats_disconnect)
  // only where faults can be injected.
  const natsProxy = config.natsUrl && config.chaos.enabled
    ? ChaosNatsProxy.start(natsServerList(config.natsUrl).servers, faults)
    : null;
  const nc = config.natsUrl
    ? await connectNats(config, natsProxy?.urls).catch(async (error) => {
      await natsProxy?.close();
      throw error;
    })
    : null;
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
  // personal data opened, through the log's chaos seam; what reaches the
  // stored log is sealed.
  const log = domainEventLog(new ChaosEventLog(stored, faults), keys);
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
      faults: faults.seams.actor,
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
  const store = new ChaosSqlStore(
    await openSqlStore(
      config.databaseUrl
        ? { databaseUrl: config.databaseUrl, schema: config.readSchema }
        : { dataDir: `${config.dataDir}/readmodel`, schema: config.readSchema },
    ),
    faults,
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
    faults: faults.seams.projection,
    onBatch: (batch: { projection: string }) => {
      if (batch.projection === WEBHOOK_OUTBOX_PROJECTION) {
        webhooks.dispatcher?.wake();
      }
    },
  };
  // Process managers run where the projections run: on the projector.
  const processors = new ProcessorHost(() => [
    new FeedProcessor({
      store,
      log,
      processor: budgetProcess(cluster?.client ?? system),
      pollIntervalMs: engineOptions.pollIntervalMs,
    }),
  ]);
  const leased = config.projections && nc && store.backend === "postgres"
    ? new LeasedProjections({
      store,
      log,
      projections: projected,
      holder: config.nodeId,
      ttlMs: config.leaseTtlMs,
      engine: engineOptions,
      onRole: (role) => {
        console.log(`Read models: this node is the ${role} (${config.nodeId})`);
        void (role === "projector" ? processors.start() : processors.stop());
      },
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
  startup.set("migrating");
  await projections?.start();
  if (projections) await processors.start();
  await leased?.start();
  const integration = await startIntegrationRelay({
    config,
    log,
    nc: nc ?? undefined,
    checkpoints: stored instanceof KvEventLog
      ? stored.checkpoints()
      : undefined,
  });
  const stopping = new AbortController();
  void catchUp(
    log,
    projections ?? leased?.engine ?? undefined,
    startup,
    stopping.signal,
  );
  const httpMetrics = new RedMetrics();
  const processFaults = config.chaos.enabled
    ? new ProcessFaults({
      registry: faults,
      kill: (fault) => killForRestart(config.dataDir, fault),
    })
    : undefined;
  const agent = new ChaosAgent(faults);
  const control: ChaosControl = config.chaos.enabled && cluster
    ? new NatsChaosControl(
      agent,
      await connectNats(config, undefined, "chaos"),
      () => cluster.readiness().liveNodes,
    )
    : new LocalChaosControl(agent);
  const disk = diskCheck(config.dataDir, faults);
  webhooks.start();
  const realtime = await openRealtimeServices(
    log,
    config.realtime,
    nc ? { nc, replicas: config.streamReplicas } : undefined,
  );
  const autoscale = await startAutoscale(config, {
    system,
    log,
    nc,
    client: cluster?.client ?? system,
    engine: () => leased ? leased.engine : projections ?? null,
  });
  const client = config.autoscale.settings.mode === "off"
    ? cluster?.client
    : new MeasuredClient(
      cluster?.client ?? system,
      (ms) => autoscale.measure(ms),
    );
  const edge: EdgeDeps = {
    ...domain.edge,
    files: new ChaosFileStore(domain.edge.files, faults),
    system,
    client,
    autoscale,
    httpMetrics,
    startup: () => startup.check(),
    liveness: () => ({
      process: {
        node: config.nodeId,
        uptimeS: Math.round(performance.now() / 1000),
        rssBytes: Deno.memoryUsage().rss,
      },
      faults: faultsCheck(faults),
    }),
    readiness: async () => ({
      ...(projections ? { projections: projectionReadiness(projections) } : {}),
      ...(leased ? { projections: leasedReadiness(leased) } : {}),
      ...(cluster
        ? {
          cluster: cluster.readiness(),
          nats: { ok: cluster.connected, cut: natsProxy?.cut ?? false },
        }
        : {}),
      sql: await sqlCheck(store),
      deadLetters: deadLetters.readiness(),
      disk: await disk(),
      faults: faultsCheck(faults),
      processors: processors.readiness(),
      ...(integration ? { relay: await integration.readiness() } : {}),
      webhooks: await webhooks.readiness(),
    }),
    metrics: async () =>
      (projections ? projectionMetrics(projections) : "") +
      (leased ? leasedMetrics(leased) : "") +
      (stored instanceof KvEventLog ? kvLogMetrics(stored) : "") +
      (cluster ? await cluster.metrics() : "") +
      deadLetters.metrics() +
      processors.metrics() +
      (integration ? await integration.metrics() : "") +
      autoscale.metrics() +
      realtime.metrics() +
      await webhooks.metrics() +
      await logUpMetric(log) +
      await processMetrics() +
      chaosMetrics(agent, processFaults) +
      (config.backupDir ? await backupMetric(config.backupDir) : ""),
    requestTimeoutMs: config.requestTimeoutMs,
    defaultApiVersion: config.defaultApiVersion,
    integration: {
      publicUrl: config.integration.publicUrl,
      source: integrationSource(config),
    },
    auth: identity.auth,
    security: config.security,
    realtime: realtime.edge,
    webhooks: webhooks.edge,
    deadLetters: deadLetterStore,
    console: {
      node: { id: config.nodeId, mode: cluster ? "distributed" : "embedded" },
      logBackend: stored instanceof KvEventLog ? "kv" : "jetstream",
      ...(cluster ? { shards: () => cluster.placement.shardMap() } : {}),
      ...(stored instanceof KvEventLog
        ? {
          logCounters: () => ({
            ...stored.stats(),
            latency: stored.commitLatency.snapshot(),
          }),
        }
        : {}),
    },
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
  };
  const probes = new NodeProbes({
    http: httpMetrics,
    ready: async () => (await checkReadiness(edge)).ok,
    projectionLagMs: () => {
      const engine = projections ?? leased?.engine;
      if (!engine) return null;
      return Math.max(0, ...engine.status().map((p) => p.lagMs));
    },
  });
  const chaos = new ChaosSupervisor({
    control,
    client: cluster?.client ?? system,
    log,
    probes,
    settings: config.chaos,
    shards: config.shards,
  });
  edge.chaos = chaos;
  const app = createApp(edge);
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
  let stopped: Promise<void> | undefined;
  return {
    system,
    log,
    server,
    cluster,
    projections,
    leased,
    deadLetters,
    processors,
    integration,
    faults,
    chaos,
    autoscale,
    realtime,
    webhooks,
    stop: () =>
      stopped ??= (async () => {
        // Open streams end first: the server waits for every response.
        await realtime.stop();
        await server.shutdown();
        stopping.abort();
        // Another node's supervisor takes over; this node's samples end.
        await autoscale.stop();
        await bootstrapping;
        await chaos.close();
        probes.close();
        await control.close();
        processFaults?.close();
        faults.close();
        await deadLetters.stop();
        await integration?.stop();
        await processors.stop();
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
        await natsProxy?.close();
      })(),
  };
}

/**
 * The node's autoscaler: its sampler reads the actor system, the projections
 * it runs and the feed's head (from the stream leader in a cluster, the
 * local log embedded); the supervisor runs here while this node holds the
 * lease (always when embedded).
 */
async function startAutoscale(
  config: NodeConfig,
  parts: {
    system: ActorSystem;
    log: EventLog;
    nc: NatsConnection | null;
    client: ActorClient;
    engine: () => ProjectionEngine | null;
  },
): Promise<AutoscaleNode> {
  const { nc, log } = parts;
  const jsm = nc && config.autoscale.settings.mode !== "off"
    ? await jetstreamManager(nc)
    : null;
  return await AutoscaleNode.start({
    nodeId: config.nodeId,
    settings: config.autoscale.settings,
    client: parts.client,
    log,
    actuator: await openActuator(config.autoscale, nc),
    sources: {
      actors: () => parts.system.stats(),
      projections: () =>
        parts.engine()?.status().map((s) => ({
          position: s.position,
          lagMs: s.lagMs,
        })) ?? null,
      head: jsm
        ? (options) => streamLeaderHead(jsm, options)
        : (options) => log.headPosition(options),
    },
    nats: nc
      ? {
        nc,
        replicas: config.streamReplicas,
        leaseTtlMs: config.leaseTtlMs,
      }
      : undefined,
  });
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

/**
 * Waits (in the background) until the projections run here reached the
 * head the log had now: then `/health/startup` passes. A node that does
 * not project is started at once.
 */
async function catchUp(
  log: EventLog,
  engine: ProjectionEngine | undefined,
  startup: StartupTracker,
  signal: AbortSignal,
): Promise<void> {
  if (!engine) return startup.set("done");
  try {
    const head = await log.headPosition({ signal });
    startup.set("catching_up", head);
    await engine.waitFor(head, { signal });
    startup.set("done");
  } catch (error) {
    if (!signal.aborted) startup.fail(error);
  }
}

/**
 * `node_kill`: leaves the time before which the local cluster must not
 * start this node again, then dies as a crash does (SIGKILL).
 */
async function killForRestart(dataDir: string, fault: ActiveFault) {
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    await Deno.writeTextFile(
      `${dataDir}/${ChaosFiles.restartMarker}`,
      String(fault.expiresAt),
    );
  } catch (error) {
    console.error("node_kill: the restart time was not written:", error);
  }
  setTimeout(() => Deno.kill(Deno.pid, "SIGKILL"), 200);
}

/**
 * The node's NATS connection: through the chaos proxy's `servers` when
 * given (then cluster updates are ignored, so the client never goes around
 * the proxy); `purpose` names a second connection (the chaos control plane).
 */
function connectNats(
  config: NodeConfig,
  servers?: string[],
  purpose?: string,
): Promise<NatsConnection> {
  return natsConnect({
    ...natsServerList(config.natsUrl!),
    // Through the chaos proxy: its local ports, not the cluster's gossip.
    ...(servers ? { servers, ignoreClusterUpdates: true } : {}),
    name: `tms-${config.nodeId}${purpose ? `-${purpose}` : ""}`,
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
