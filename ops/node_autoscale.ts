/**
 * A node's autoscaler: its sampler reads the actor system, the projections
 * it runs and the feed's head (from the stream leader in a cluster, the
 * local log embedded); the supervisor runs here while this node holds the
 * lease (always when embedded).
 */
import { jetstreamManager } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import { AutoscaleNode } from "../actors/supervisors/autoscale/mod.ts";
import type { ActorClient, ActorSystem } from "../runtime/actor/mod.ts";
import { streamLeaderHead } from "../runtime/autoscale/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { ProjectionEngine } from "../runtime/projection/mod.ts";
import { openActuator } from "./autoscale_config.ts";
import type { NodeConfig } from "./node_config.ts";

/** Starts the node's sampler and (where it holds the lease) supervisor. */
export async function startNodeAutoscale(
  config: NodeConfig,
  parts: {
    system: ActorSystem;
    log: EventLog;
    nc: NatsConnection | null;
    client: ActorClient;
    engine: () => ProjectionEngine | undefined;
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
