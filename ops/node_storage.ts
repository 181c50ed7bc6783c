/**
 * What a node stores its history in: the NATS connection (through the chaos
 * proxy where faults may be injected), the event log (Deno KV embedded,
 * JetStream distributed), the dead-letter store and office, the
 * personal-data key store, and the log every part of the node reads —
 * upcast, with personal data opened, through the chaos seam. Opened in
 * that order; a failure closes what was opened before it.
 */
import { natsConnect } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import { domainEventLog } from "../actors/mod.ts";
import { ChaosEventLog, ChaosNatsProxy } from "../runtime/chaos/mod.ts";
import type { FaultRegistry } from "../runtime/chaos/mod.ts";
import { DeadLetterKeys } from "../runtime/core/mod.ts";
import type { DeadLetterStore, EventLog } from "../runtime/core/mod.ts";
import { JetStreamEventLog } from "../runtime/log/jetstream/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import {
  DeadLetterOffice,
  KvDeadLetterStore,
  NatsDeadLetterStore,
} from "../runtime/storage/mod.ts";
import type { KeyStore } from "../runtime/storage/mod.ts";
import { openKeyStore } from "./domain_services.ts";
import { natsServerList } from "./nats_url.ts";
import type { NodeConfig } from "./node_config.ts";

/** A node's storage, opened. */
export interface NodeStorage {
  /** The NATS connection in distributed mode. */
  nc: NatsConnection | null;
  /** The chaos proxy the connection runs through (`TMS_CHAOS=on`, distributed). */
  natsProxy: ChaosNatsProxy | null;
  /** The log as the backend stores it (sealed, events at their stored versions). */
  stored: EventLog;
  /** The log the node reads and writes: upcast, opened, through the chaos seam. */
  log: EventLog;
  keys: KeyStore;
  deadLetterStore: DeadLetterStore;
  /** Records from the start; performs retries once the node is up (`start`). */
  deadLetters: DeadLetterOffice;
  /** Closes what this opened, in reverse order. */
  close(): Promise<void>;
}

/** Opens a node's storage (see the module doc). */
export async function openNodeStorage(
  config: NodeConfig,
  faults: FaultRegistry,
): Promise<NodeStorage> {
  const undo: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    // The data connection runs through the chaos proxy (nats_disconnect)
    // only where faults can be injected.
    const natsProxy = config.natsUrl && config.chaos.enabled
      ? ChaosNatsProxy.start(natsServerList(config.natsUrl).servers, faults)
      : null;
    if (natsProxy) undo.push(() => natsProxy.close());
    const nc = config.natsUrl
      ? await connectNats(config, natsProxy?.urls)
      : null;
    if (nc) undo.push(() => nc.close());
    const stored = nc
      ? await JetStreamEventLog.open(nc, { replicas: config.streamReplicas })
      : await openKvLog(config);
    // Once the node's log wraps it, closing that closes the stored log.
    let closeLog = () => stored.close();
    undo.push(() => closeLog());
    const deadLetterStore = nc
      ? await NatsDeadLetterStore.open(nc, { replicas: config.streamReplicas })
      : await KvDeadLetterStore.open(
        `${config.dataDir}/${DeadLetterKeys.kvFile}`,
      );
    undo.push(() => deadLetterStore.close());
    const keys = await openKeyStore(
      config.dataDir,
      nc ? { nc, replicas: config.streamReplicas } : undefined,
    );
    const deadLetters = new DeadLetterOffice({
      store: deadLetterStore,
      node: config.nodeId,
      retentionMs: config.deadLetterRetentionDays * 24 * 60 * 60_000,
    });
    // Actors, projections and the follower all read current events, with
    // personal data opened, through the log's chaos seam; what reaches the
    // stored log is sealed.
    const log = domainEventLog(new ChaosEventLog(stored, faults), keys);
    closeLog = () => log.close();
    return {
      nc,
      natsProxy,
      stored,
      log,
      keys,
      deadLetterStore,
      deadLetters,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function openKvLog(config: NodeConfig): Promise<EventLog> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  return await KvEventLog.open(`${config.dataDir}/events.kv`);
}

/**
 * A NATS connection of the node: through the chaos proxy's `servers` when
 * given (then cluster updates are ignored, so the client never goes around
 * the proxy); `purpose` names a second connection (the chaos control plane).
 */
export function connectNats(
  config: NodeConfig,
  servers?: string[],
  purpose?: string,
): Promise<NatsConnection> {
  return natsConnect({
    ...natsServerList(config.natsUrl!),
    ...(servers ? { servers, ignoreClusterUpdates: true } : {}),
    name: `tms-${config.nodeId}${purpose ? `-${purpose}` : ""}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // An Error (with its stack) per request halves the commit rate.
    noAsyncTraces: true,
  });
}
