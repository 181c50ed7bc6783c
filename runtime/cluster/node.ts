import { jetstream, jetstreamManager } from "../../deps.ts";
import type { NatsConnection, Status } from "../../deps.ts";
import type { ActorSystem } from "../actor/mod.ts";
import { ClusterRouter } from "./router.ts";
import type { RouterStats } from "./router.ts";
import {
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_SHARDS,
  openPlacementBucket,
  ShardPlacement,
} from "./placement.ts";
import type { PlacementStatus } from "./placement.ts";

/** Options of `ClusterNode.start`. */
export interface ClusterNodeOptions {
  /** The node's NATS connection (the caller closes it after `stop()`). */
  nc: NatsConnection;
  system: ActorSystem;
  /** Unique per running node: letters, digits, `-`, `_`, `=`. */
  nodeId: string;
  /** Default 64; the same on every node. */
  shards?: number;
  /** Default 10 000 ms; the same on every node. */
  leaseTtlMs?: number;
  /** Replicas of the `tms_placement` bucket when it is created (default 1). */
  replicas?: number;
  /** Deadline of a routed request (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** Test hook: see `ShardPlacementOptions.assumeOwnership`. */
  assumeOwnership?: (shard: number) => boolean;
}

/** The cluster check of `/health/ready`. */
export interface ClusterReadiness {
  ok: boolean;
  node: string;
  connected: boolean;
  shards: number;
  shardsOwned: number;
  liveNodes: string[];
  sinceLastTick: number | null;
  [detail: string]: unknown;
}

/** Lease acquisitions and releases (by reason) of this node, for metrics. */
interface LeaseChurn {
  acquired: number;
  released: Map<string, number>;
}

type StatusIterator = AsyncIterable<Status> & { stop(): void };

/**
 * One node of a TMS cluster: shard placement plus the routing `client` the
 * HTTP edge sends commands through. `stop()` gives every shard up after
 * passivating its actors, so survivors take over at once.
 *
 * @example
 * ```ts
 * const cluster = await ClusterNode.start({ nc, system, nodeId: "a" });
 * createApp({ system, client: cluster.client, readiness: async () => ({ cluster: cluster.readiness() }) });
 * await cluster.stop();
 * ```
 */
export class ClusterNode {
  readonly client: ClusterRouter;
  readonly placement: ShardPlacement;
  readonly #nc: NatsConnection;
  readonly #statuses: StatusIterator;
  readonly #watching: Promise<void>;
  readonly #churn: LeaseChurn;
  #connected = true;
  #disconnects = 0;
  #stopped = false;

  private constructor(
    nc: NatsConnection,
    client: ClusterRouter,
    placement: ShardPlacement,
    churn: LeaseChurn,
  ) {
    this.#churn = churn;
    this.#nc = nc;
    this.client = client;
    this.placement = placement;
    this.#statuses = nc.status() as StatusIterator;
    this.#watching = this.#watch();
  }

  /** Opens the placement bucket, runs the first placement tick, keeps ticking. */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { nc } = options;
    const ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    // Placement requests must fail well inside a lease's life.
    const timeout = Math.min(5_000, Math.max(500, Math.floor(ttlMs / 2)));
    const js = jetstream(nc, { timeout });
    const jsm = await jetstreamManager(nc, { timeout });
    const kv = await openPlacementBucket(js, {
      ttlMs,
      replicas: options.replicas ?? 1,
    });
    let node: ClusterNode | null = null;
    const churn: LeaseChurn = { acquired: 0, released: new Map() };
    const connected = () => node ? node.connected : !nc.isClosed();
    const placement: ShardPlacement = new ShardPlacement({
      kv,
      jsm,
      nodeId: options.nodeId,
      shards: options.shards ?? DEFAULT_SHARDS,
      leaseTtlMs: ttlMs,
      assumeOwnership: options.assumeOwnership,
      connected,
      handler: {
        acquired: (shard) => {
          churn.acquired++;
          router.acquired(shard);
        },
        released: (shard, reason) => {
          churn.released.set(reason, (churn.released.get(reason) ?? 0) + 1);
          return router.released(shard);
        },
      },
    });
    const router = new ClusterRouter({
      nc,
      system: options.system,
      placement,
      requestTimeoutMs: options.requestTimeoutMs,
      connected,
    });
    node = new ClusterNode(nc, router, placement, churn);
    try {
      await placement.start();
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /** True while the NATS connection is up. */
  get connected(): boolean {
    return this.#connected && !this.#nc.isClosed();
  }

  /** The cluster check of `/health/ready`. */
  readiness(): ClusterReadiness {
    const status: PlacementStatus = this.placement.status();
    const tickedRecently = status.sinceLastTick !== null &&
      status.sinceLastTick < this.placement.ttlMs;
    return {
      ok: this.connected && tickedRecently,
      node: status.nodeId,
      connected: this.connected,
      shards: status.shards,
      shardsOwned: status.owned.length,
      liveNodes: status.liveNodes,
      sinceLastTick: status.sinceLastTick,
    };
  }

  /** Prometheus lines of the cluster. */
  metrics(): string {
    const status = this.placement.status();
    const stats: RouterStats = this.client.stats();
    return [
      "# HELP tms_cluster_shards Shards of the cluster (the same on every node)",
      "# TYPE tms_cluster_shards gauge",
      `tms_cluster_shards ${status.shards}`,
      "# TYPE tms_cluster_shards_owned gauge",
      `tms_cluster_shards_owned ${status.owned.length}`,
      "# HELP tms_cluster_shard_acquisitions_total Shard leases this node took",
      "# TYPE tms_cluster_shard_acquisitions_total counter",
      `tms_cluster_shard_acquisitions_total ${this.#churn.acquired}`,
      "# HELP tms_cluster_shard_releases_total Shard leases this node gave up or lost, by reason",
      "# TYPE tms_cluster_shard_releases_total counter",
      ...[...this.#churn.released].map(([reason, n]) =>
        `tms_cluster_shard_releases_total{reason="${reason}"} ${n}`
      ),
      "# HELP tms_nats_connected 1 while the node's NATS connection is up",
      "# TYPE tms_nats_connected gauge",
      `tms_nats_connected ${this.connected ? 1 : 0}`,
      "# TYPE tms_nats_disconnects_total counter",
      `tms_nats_disconnects_total ${this.#disconnects}`,
      "# TYPE tms_cluster_live_nodes gauge",
      `tms_cluster_live_nodes ${status.liveNodes.length}`,
      "# TYPE tms_cluster_requests_total counter",
      `tms_cluster_requests_total{route="local"} ${stats.local}`,
      `tms_cluster_requests_total{route="forwarded"} ${stats.forwarded}`,
      `tms_cluster_requests_total{route="served"} ${stats.served}`,
      `tms_cluster_requests_total{route="rerouted"} ${stats.rerouted}`,
    ].join("\n") + "\n";
  }

  /** Releases every lease (after passivating), stops ticking and watching. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.placement.stop();
    await this.client.close();
    this.#statuses.stop();
    await this.#watching;
  }

  async #watch(): Promise<void> {
    for await (const status of this.#statuses) {
      if (status.type === "disconnect") {
        this.#connected = false;
        this.#disconnects++;
        this.client.disconnected();
      }
      if (status.type === "reconnect") {
        this.#connected = true;
        this.client.reconnected();
        void this.placement.tick();
      }
    }
  }
}
