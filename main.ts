/**
 * TMS node: reads configuration from the environment, wires the backends and
 * serves the HTTP edge. `deno task start`.
 *
 * A node is composed of parts, each opened by its `ops/node_*.ts` module in
 * this order and stopped in reverse: storage (NATS, the event log, dead
 * letters, personal-data keys), the actor system and (distributed) its
 * cluster placement, the domain and identity services, the read side
 * (projections, the webhook outbox, process managers), the integration
 * relay, realtime, the autoscaler, the edge and the chaos supervisor.
 */
import { registerActors } from "./actors/mod.ts";
import { MeasuredClient } from "./actors/supervisors/autoscale/mod.ts";
import type { AutoscaleNode } from "./actors/supervisors/autoscale/mod.ts";
import type { ChaosSupervisor } from "./actors/supervisors/chaos/mod.ts";
import { checkReadiness, createApp } from "./http/mod.ts";
import type { EdgeDeps } from "./http/mod.ts";
import { ActorSystem, commandRetrier } from "./runtime/actor/mod.ts";
import { ClusterNode } from "./runtime/cluster/mod.ts";
import { ChaosFileStore } from "./runtime/chaos/mod.ts";
import type { FaultRegistry } from "./runtime/chaos/mod.ts";
import { delay, UnavailableError } from "./runtime/core/mod.ts";
import type { EventLog } from "./runtime/core/mod.ts";
import { KvEventLog } from "./runtime/log/kv/mod.ts";
import { projectionRetrier } from "./runtime/projection/mod.ts";
import type {
  LeasedProjections,
  ProcessorHost,
  ProjectionEngine,
} from "./runtime/projection/mod.ts";
import type { DeadLetterOffice } from "./runtime/storage/mod.ts";
import {
  initTracing,
  processMetrics,
  RedMetrics,
} from "./runtime/telemetry/mod.ts";
import { runTask } from "./ops/cli.ts";
import { openDomainServices } from "./ops/domain_services.ts";
import { openIdentityServices } from "./ops/identity_services.ts";
import {
  integrationSource,
  startIntegrationRelay,
} from "./ops/integration_relay.ts";
import type { IntegrationRelay } from "./ops/integration_relay.ts";
import { faultRegistry, startNodeChaos } from "./ops/node_chaos.ts";
import { startNodeAutoscale } from "./ops/node_autoscale.ts";
import { loadConfig, startTask } from "./ops/node_config.ts";
import type { NodeConfig } from "./ops/node_config.ts";
import {
  catchUp,
  diskCheck,
  faultsCheck,
  sqlCheck,
  StartupTracker,
} from "./ops/node_health.ts";
import { backupMetric, kvLogMetrics, logUpMetric } from "./ops/node_metrics.ts";
import { openNodeReadSide } from "./ops/node_read_side.ts";
import { openNodeStorage } from "./ops/node_storage.ts";
import { openRealtimeServices } from "./ops/realtime_services.ts";
import type { RealtimeServices } from "./ops/realtime_services.ts";
import type { WebhookNodeServices } from "./ops/webhook_services.ts";

export { CONFIG_ENV, loadConfig, startTask } from "./ops/node_config.ts";
export type { NodeConfig } from "./ops/node_config.ts";

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
  const faults = faultRegistry(config);
  const storage = await openNodeStorage(config, faults);
  const { nc, log, deadLetters } = storage;
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
  // A healed fault (cleared, expired, an emergency stop) also ends the parks
  // it caused: the next message to such an actor tries again at once.
  faults.subscribe((change) => {
    if (change.type === "cleared") system.unparkAll();
  });
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
  // Through the router in a cluster: the shard's owner handles a command.
  const router = cluster?.client ?? system;
  const nats = nc ? { nc, replicas: config.streamReplicas } : undefined;
  const domain = await openDomainServices(
    config.dataDir,
    router,
    undefined,
    nats,
    { keys: storage.keys },
  );
  const identity = await openIdentityServices(
    { ...config.identity, nats },
    domain.edge.keys,
  );
  const readSide = await openNodeReadSide(config, {
    log,
    keys: domain.edge.keys,
    client: router,
    faults,
    deadLetters,
    distributed: nc !== null,
  });
  deadLetters.start({
    command: commandRetrier(router, log),
    // Only the node that runs the engine can resume a projection.
    projection: projectionRetrier(readSide.engine),
  });
  startup.set("migrating");
  await readSide.start();
  const integration = await startIntegrationRelay({
    config,
    log,
    nc: nc ?? undefined,
    checkpoints: storage.stored instanceof KvEventLog
      ? storage.stored.checkpoints()
      : undefined,
  });
  const stopping = new AbortController();
  void catchUp(log, readSide.engine(), startup, stopping.signal);
  const realtime = await openRealtimeServices(log, config.realtime, nats);
  const autoscale = await startNodeAutoscale(config, {
    system,
    log,
    nc,
    client: router,
    engine: readSide.engine,
  });
  const httpMetrics = new RedMetrics();
  // The embedded log's own counters (group commits, latency), for the
  // metrics and the console.
  const kvLog = storage.stored instanceof KvEventLog ? storage.stored : null;
  const disk = diskCheck(config.dataDir, faults);
  const edge: EdgeDeps = {
    ...domain.edge,
    files: new ChaosFileStore(domain.edge.files, faults),
    system,
    client: config.autoscale.settings.mode === "off"
      ? cluster?.client
      : new MeasuredClient(router, (ms) => autoscale.measure(ms)),
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
      ...(cluster
        ? {
          cluster: cluster.readiness(),
          nats: {
            ok: cluster.connected,
            cut: storage.natsProxy?.cut ?? false,
          },
        }
        : {}),
      sql: await sqlCheck(readSide.store),
      deadLetters: deadLetters.readiness(),
      disk: await disk(),
      faults: faultsCheck(faults),
      ...await readSide.readiness(),
      ...(integration ? { relay: await integration.readiness() } : {}),
    }),
    metrics: async () =>
      await readSide.metrics() +
      (kvLog ? kvLogMetrics(kvLog) : "") +
      (cluster ? await cluster.metrics() : "") +
      deadLetters.metrics() +
      (integration ? await integration.metrics() : "") +
      autoscale.metrics() +
      realtime.metrics() +
      await logUpMetric(log) +
      await processMetrics() +
      chaos.metrics() +
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
    webhooks: readSide.webhooks.edge,
    deadLetters: storage.deadLetterStore,
    console: {
      node: { id: config.nodeId, mode: cluster ? "distributed" : "embedded" },
      logBackend: kvLog ? "kv" : "jetstream",
      ...(cluster ? { shards: () => cluster.placement.shardMap() } : {}),
      ...(kvLog
        ? {
          logCounters: () => ({
            ...kvLog.stats(),
            latency: kvLog.commitLatency.snapshot(),
          }),
        }
        : {}),
    },
    readSide: {
      store: readSide.store,
      positions: readSide.positions,
      minPositionTimeoutMs: config.minPositionTimeoutMs,
    },
  };
  const chaos = await startNodeChaos(config, {
    faults,
    cluster,
    client: router,
    log,
    http: httpMetrics,
    ready: async () => (await checkReadiness(edge)).ok,
    projectionLagMs: () => {
      const engine = readSide.engine();
      if (!engine) return null;
      return Math.max(0, ...engine.status().map((p) => p.lagMs));
    },
  });
  edge.chaos = chaos.supervisor;
  const app = createApp(edge);
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) =>
      console.log(
        `TMS listening on http://${hostname}:${port} (data in ${config.dataDir})`,
      ),
  }, app.fetch);
  const bootstrapping = bootstrapWithRetries(() => identity.bootstrap(router));
  let stopped: Promise<void> | undefined;
  return {
    system,
    log,
    server,
    cluster,
    projections: readSide.projections,
    leased: readSide.leased,
    deadLetters,
    processors: readSide.processors,
    integration,
    faults,
    chaos: chaos.supervisor,
    autoscale,
    realtime,
    webhooks: readSide.webhooks,
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
        await deadLetters.stop();
        await integration?.stop();
        await readSide.stop();
        await identity.close();
        await domain.stop();
        await cluster?.stop();
        await system.shutdown();
        // What the last commands reported while draining.
        await deadLetters.flush();
        await storage.close();
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
