/**
 * The integration relay of one node, wired: the domain's mapping
 * (`actors/integration/`) over the node's (upcasting) log, its checkpoint in
 * the log's store, publishing to `TMS_INTEGRATION`.
 *
 * - Embedded: only when `TMS_INTEGRATION_NATS_URL` is set; the checkpoint is
 *   `["checkpoint", "integration"]` in `events.kv`, and the node is the only
 *   relay of its log. A NATS that does not answer at start delays the relay,
 *   never the node.
 * - Distributed: always, on one node of the cluster at a time (the lease
 *   `lease.integration` in `tms_consumers`, TTL `TMS_LEASE_TTL_MS`); the
 *   checkpoint is `checkpoint.integration` there; it publishes to
 *   `TMS_INTEGRATION_NATS_URL` when set, else to the cluster's NATS.
 */
import { integrationMapper } from "../actors/integration/mod.ts";
import type { StreamOrigin } from "../actors/integration/mod.ts";
import { jetstream, natsConnect } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import type { EventLog, FeedCheckpoints } from "../runtime/core/mod.ts";
import {
  JetStreamFeedCheckpoints,
  openConsumersBucket,
} from "../runtime/log/jetstream/mod.ts";
import {
  FeedRelay,
  JetStreamIntegrationSink,
  LeasedRelay,
  relayMetrics,
  relayReadiness,
} from "../runtime/relay/mod.ts";
import type { RelaySink } from "../runtime/relay/mod.ts";
import { integrationSchemaUrl } from "../schemas/integration/mod.ts";
import type { NodeConfig } from "./node_config.ts";
import { natsServerList } from "./nats_url.ts";

/** A node's relay, as main.ts sees it. */
export interface IntegrationRelay {
  /** The relay while this node runs it. */
  relay(): FeedRelay<StreamOrigin> | null;
  metrics(): Promise<string>;
  readiness(): Promise<ReturnType<typeof relayReadiness>>;
  stop(): Promise<void>;
}

/** What the relay runs on. */
export interface RelayWiring {
  config: NodeConfig;
  /** The node's log, read through the upcasters. */
  log: EventLog;
  /** Embedded: the log's own checkpoints (`KvEventLog.checkpoints()`). */
  checkpoints?: FeedCheckpoints;
  /** Distributed: the node's NATS connection. */
  nc?: NatsConnection;
}

/** `ce-source` of this installation's events. */
export function integrationSource(config: NodeConfig): string {
  return `/tms/${config.integration.clusterName}`;
}

function connect(url: string, config: NodeConfig): Promise<NatsConnection> {
  return natsConnect({
    ...natsServerList(url),
    name: `tms-${config.nodeId}-integration`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    noAsyncTraces: true,
  });
}

function sinkOf(nc: NatsConnection, config: NodeConfig): RelaySink {
  return new JetStreamIntegrationSink(nc, {
    replicas: config.streamReplicas,
    maxAgeMs: config.integration.maxAgeDays * 24 * 60 * 60_000,
    source: integrationSource(config),
    dataschema: (type) =>
      integrationSchemaUrl(config.integration.publicUrl, type),
  });
}

/** Starts the node's relay (null: embedded without an integration NATS). */
export async function startIntegrationRelay(
  wiring: RelayWiring,
): Promise<IntegrationRelay | null> {
  const { config, log } = wiring;
  const url = config.integration.natsUrl;
  const head = () => log.headPosition().catch(() => 0);
  if (wiring.nc) {
    const own = url ? await connect(url, config) : null;
    const nc = own ?? wiring.nc;
    const kv = await openConsumersBucket(jetstream(wiring.nc), {
      replicas: config.streamReplicas,
    });
    const checkpoints = new JetStreamFeedCheckpoints(kv);
    const sink = sinkOf(nc, config);
    const leased: LeasedRelay<StreamOrigin> = new LeasedRelay({
      kv,
      holder: config.nodeId,
      ttlMs: config.leaseTtlMs,
      relay: () =>
        new FeedRelay({
          log,
          checkpoints,
          mapper: integrationMapper,
          sink,
          onConflict: () => leased.conflict(),
        }),
      onRole: (role) =>
        console.log(
          `Integration relay: this node is ${role} (${config.nodeId})`,
        ),
    });
    await leased.start();
    return {
      relay: () => leased.relay,
      metrics: async () =>
        relayMetrics(leased.relay?.status() ?? null, await head()),
      readiness: async () =>
        relayReadiness(
          leased.relay?.status() ?? null,
          leased.role,
          await head(),
        ),
      async stop() {
        await leased.stop();
        await sink.close();
        await own?.close();
      },
    };
  }
  if (!url || !wiring.checkpoints) return null;
  const checkpoints = wiring.checkpoints;
  let relay: FeedRelay<StreamOrigin> | null = null;
  let sink: RelaySink | null = null;
  let stopped = false;
  let connected: NatsConnection | null = null;
  // Connects in the background: an unreachable NATS must not stop the node.
  const connecting = connect(url, config);
  const started = connecting.then(async (nc) => {
    connected = nc;
    if (stopped) return;
    sink = sinkOf(nc, config);
    relay = new FeedRelay({
      log,
      checkpoints,
      mapper: integrationMapper,
      sink,
    });
    await relay.start();
  }).catch((error) => console.error("Integration relay did not start", error));
  return {
    relay: () => relay,
    metrics: async () => relayMetrics(relay?.status() ?? null, await head()),
    readiness: async () =>
      relayReadiness(relay?.status() ?? null, "embedded", await head()),
    async stop() {
      stopped = true;
      const nc: NatsConnection | null = connected;
      if (!nc) {
        // Still connecting: the connection closes once it is made.
        void connecting.then((late) => late.close(), () => {});
        return;
      }
      await started;
      await relay?.stop();
      await sink?.close();
      await nc.close();
    },
  };
}
