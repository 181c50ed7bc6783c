/**
 * Realtime wired for one node: the hub over the node's log (every node
 * follows the feed itself; in distributed mode the JetStream log's watch
 * sees other nodes' commits, and the head is polled every 250 ms as well),
 * the outbound mapping, and the tickets (in memory embedded, the JetStream
 * KV bucket `tms_stream_tickets` in a cluster, so a ticket from one node
 * opens a stream on another).
 */
import type { NatsConnection } from "../deps.ts";
import { OutboundMapper } from "../actors/outbound/mod.ts";
import type { Audience } from "../actors/outbound/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import {
  MemoryTicketStore,
  NatsTicketStore,
  RealtimeHub,
} from "../runtime/realtime/mod.ts";
import type { TicketStore } from "../runtime/realtime/mod.ts";
import type { StreamTicket } from "../http/auth.ts";
import type { RealtimeEdge } from "../http/realtime.ts";
import type { EnvSpec } from "./cli.ts";

/** Realtime settings of a node. */
export interface RealtimeConfig {
  /** Messages waiting for one connection before it is cut off (`TMS_REALTIME_MAX_BACKLOG`). */
  maxBacklog: number;
  /** Bytes waiting for one connection before it is cut off (`TMS_REALTIME_MAX_BACKLOG_BYTES`). */
  maxBacklogBytes: number;
  /** SSE heartbeat and WebSocket ping interval (`TMS_REALTIME_HEARTBEAT_MS`). */
  heartbeatMs: number;
}

/** The realtime variables, in the README's order. */
export const REALTIME_ENV: EnvSpec[] = [
  {
    name: "TMS_REALTIME_MAX_BACKLOG",
    default: "1000",
    description:
      "messages waiting for one SSE/WebSocket client before it is cut off",
  },
  {
    name: "TMS_REALTIME_MAX_BACKLOG_BYTES",
    default: "4194304",
    description: "bytes waiting for one realtime client before it is cut off",
  },
  {
    name: "TMS_REALTIME_HEARTBEAT_MS",
    default: "15000",
    description: "SSE heartbeat comment and WebSocket ping interval",
  },
];

/** The realtime services of a node. */
export interface RealtimeServices {
  /** For `createApp`'s deps. */
  edge: RealtimeEdge;
  hub: RealtimeHub<Audience>;
  /** Prometheus lines. */
  metrics(): string;
  /** Ends every stream (so the server can shut down) and stops following. */
  stop(): Promise<void>;
}

/** Starts the hub at the feed's head and opens the ticket store. */
export async function openRealtimeServices(
  log: EventLog,
  config: RealtimeConfig,
  nats?: { nc: NatsConnection; replicas: number },
): Promise<RealtimeServices> {
  const tickets: TicketStore<StreamTicket> = nats
    ? await NatsTicketStore.open<StreamTicket>(nats.nc, {
      replicas: nats.replicas,
    })
    : new MemoryTicketStore<StreamTicket>();
  const hub = new RealtimeHub({
    log,
    mapper: new OutboundMapper({ log }),
    pollIntervalMs: nats ? 250 : 1000,
  });
  await hub.start();
  return {
    hub,
    edge: {
      hub,
      tickets,
      limits: {
        maxMessages: config.maxBacklog,
        maxBytes: config.maxBacklogBytes,
      },
      heartbeatMs: config.heartbeatMs,
    },
    metrics() {
      const s = hub.stats();
      return [
        "# HELP tms_realtime_connections Open SSE and WebSocket subscriptions on this node",
        "# TYPE tms_realtime_connections gauge",
        `tms_realtime_connections ${s.subscribers}`,
        "# HELP tms_realtime_position Feed position this node has fanned out",
        "# TYPE tms_realtime_position gauge",
        `tms_realtime_position ${s.position}`,
        "# TYPE tms_realtime_messages_total counter",
        `tms_realtime_messages_total ${s.delivered}`,
        "# HELP tms_realtime_cut_off_total Clients disconnected because their backlog passed the bound",
        "# TYPE tms_realtime_cut_off_total counter",
        `tms_realtime_cut_off_total ${s.cutOff}`,
        "# TYPE tms_realtime_errors_total counter",
        `tms_realtime_errors_total ${s.errors}`,
      ].join("\n") + "\n";
    },
    async stop() {
      await hub.stop();
      await tickets.close();
    },
  };
}
