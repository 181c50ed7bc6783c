/**
 * A node's read side: the read models' store (PGlite under `TMS_DATA_DIR`,
 * or a shared PostgreSQL) through the chaos seam, the projections — run
 * here always when embedded, by the holder of the projector lease when
 * nodes share PostgreSQL, never with `TMS_PROJECTIONS=off` — the webhook
 * outbox that projects with them, and the process managers (the budget's)
 * that run where the projections run.
 */
import { readModelProjections } from "../actors/mod.ts";
import { budgetProcess } from "../actors/budget/mod.ts";
import { WEBHOOK_OUTBOX_PROJECTION } from "../actors/webhook/mod.ts";
import type { ReadinessCheck } from "../http/mod.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import { ChaosSqlStore } from "../runtime/chaos/mod.ts";
import type { FaultRegistry } from "../runtime/chaos/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
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
} from "../runtime/projection/mod.ts";
import { openSqlStore } from "../runtime/sql/mod.ts";
import type { DeadLetterOffice, KeyStore } from "../runtime/storage/mod.ts";
import type { NodeConfig } from "./node_config.ts";
import { openWebhookServices } from "./webhook_services.ts";
import type { WebhookNodeServices } from "./webhook_services.ts";

/** A node's read side, opened (`start` runs what runs here). */
export interface NodeReadSide {
  store: ChaosSqlStore;
  /** This node's own projections (embedded, or distributed without a shared schema). */
  projections?: ProjectionEngine;
  /** Projections into a shared PostgreSQL, while this node holds the lease. */
  leased?: LeasedProjections;
  /** The engine that runs here now, if any. */
  engine(): ProjectionEngine | undefined;
  /** Where queries wait for `X-TMS-Min-Position`: the engine, or a follower. */
  positions: ProjectionEngine | LeasedProjections | ProjectionFollower;
  processors: ProcessorHost;
  webhooks: WebhookNodeServices;
  /** Migrates and starts the projections and, with them, the processors. */
  start(): Promise<void>;
  readiness(): Promise<Record<string, ReadinessCheck>>;
  metrics(): Promise<string>;
  /** Stops what runs and closes the store. */
  stop(): Promise<void>;
}

/** Opens a node's read side (see the module doc). */
export async function openNodeReadSide(
  config: NodeConfig,
  parts: {
    log: EventLog;
    keys: KeyStore;
    client: ActorClient;
    faults: FaultRegistry;
    deadLetters: DeadLetterOffice;
    distributed: boolean;
  },
): Promise<NodeReadSide> {
  const { log } = parts;
  const store = new ChaosSqlStore(
    await openSqlStore(
      config.databaseUrl
        ? { databaseUrl: config.databaseUrl, schema: config.readSchema }
        : { dataDir: `${config.dataDir}/readmodel`, schema: config.readSchema },
    ),
    parts.faults,
  );
  // Distributed nodes sharing PostgreSQL elect one projector through a
  // lease; an embedded node (its log is its own) always projects.
  const shared = config.projections && parts.distributed &&
    store.backend === "postgres";
  // The webhook outbox is one per cluster, where the projections are; its
  // dispatcher sends only on the projector (set once the lease exists).
  let isProjector = () => true;
  const webhooks = openWebhookServices({
    log,
    store,
    keys: parts.keys,
    config: config.webhooks,
    dispatch: config.projections &&
      (!parts.distributed || store.backend === "postgres"),
    active: () => isProjector(),
  });
  const projected = webhooks.projection
    ? [...readModelProjections, webhooks.projection]
    : readModelProjections;
  const engineOptions = {
    // Other nodes' commits are seen by polling; local ones by `watch`.
    pollIntervalMs: parts.distributed ? 250 : 1000,
    lingerMs: config.projectionLingerMs,
    onDeadLetter: parts.deadLetters.record.bind(parts.deadLetters),
    faults: parts.faults.seams.projection,
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
      processor: budgetProcess(parts.client),
      pollIntervalMs: engineOptions.pollIntervalMs,
    }),
  ]);
  const leased = shared
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
  return {
    store,
    projections,
    leased,
    engine: () => leased ? leased.engine ?? undefined : projections,
    positions: projections ?? leased ??
      new ProjectionFollower({ store, log, projections: readModelProjections }),
    processors,
    webhooks,
    async start() {
      await projections?.start();
      if (projections) await processors.start();
      await leased?.start();
      webhooks.start();
    },
    async readiness() {
      return {
        ...(projections
          ? { projections: projectionReadiness(projections) }
          : {}),
        ...(leased ? { projections: leasedReadiness(leased) } : {}),
        processors: processors.readiness(),
        webhooks: await webhooks.readiness(),
      };
    },
    async metrics() {
      return (projections ? projectionMetrics(projections) : "") +
        (leased ? leasedMetrics(leased) : "") +
        processors.metrics() +
        await webhooks.metrics();
    },
    async stop() {
      await processors.stop();
      await webhooks.stop();
      await projections?.stop();
      await leased?.stop();
      await store.close();
    },
  };
}
