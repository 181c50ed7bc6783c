/**
 * A node's part of fault injection: the fault registry every seam checks
 * (one check each while no fault is active; only a node with
 * `TMS_CHAOS=on` can be given a fault), the process faults (CPU, memory,
 * `node_kill`), the control plane (NATS in a cluster, local embedded) and
 * the chaos supervisor that runs experiments against this node's probes.
 */
import {
  ChaosSupervisor,
  NodeProbes,
} from "../actors/supervisors/chaos/mod.ts";
import type { NodeProbesOptions } from "../actors/supervisors/chaos/mod.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import { shardOf } from "../runtime/cluster/mod.ts";
import type { ClusterNode } from "../runtime/cluster/mod.ts";
import {
  ChaosAgent,
  chaosMetrics,
  FaultRegistry,
  LocalChaosControl,
  NatsChaosControl,
  ProcessFaults,
} from "../runtime/chaos/mod.ts";
import type { ActiveFault, ChaosControl } from "../runtime/chaos/mod.ts";
import { ChaosFiles } from "../runtime/core/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { NodeConfig } from "./node_config.ts";
import { connectNats } from "./node_storage.ts";

/** The fault registry of a node, before anything that has a seam opens. */
export function faultRegistry(config: NodeConfig): FaultRegistry {
  return new FaultRegistry({
    node: config.nodeId,
    shardOf: (type, id) => shardOf(type, id, config.shards),
    maxDurationMs: config.chaos.maxDurationS * 1000,
  });
}

/** The chaos parts of a running node. */
export interface NodeChaos {
  supervisor: ChaosSupervisor;
  metrics(): string;
  close(): Promise<void>;
}

/** Starts the control plane, the process faults and the chaos supervisor. */
export async function startNodeChaos(
  config: NodeConfig,
  parts: {
    faults: FaultRegistry;
    cluster?: ClusterNode;
    client: ActorClient;
    log: EventLog;
  } & NodeProbesOptions,
): Promise<NodeChaos> {
  const { faults, cluster } = parts;
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
  const probes = new NodeProbes({
    http: parts.http,
    ready: parts.ready,
    projectionLagMs: parts.projectionLagMs,
  });
  const supervisor = new ChaosSupervisor({
    control,
    client: parts.client,
    log: parts.log,
    probes,
    settings: config.chaos,
    shards: config.shards,
  });
  return {
    supervisor,
    metrics: () => chaosMetrics(agent, processFaults),
    async close() {
      await supervisor.close();
      probes.close();
      await control.close();
      processFaults?.close();
      faults.close();
    },
  };
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
