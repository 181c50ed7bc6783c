import type { JetStreamClient, JetStreamManager, KV } from "../../deps.ts";
import { JetStreamNames, PlacementKeys } from "../core/mod.ts";
import { isWrongLastSequence, openLeaseBucket } from "../nats/mod.ts";

/** Default number of shards actors are spread over. */
export const DEFAULT_SHARDS = 64;

/** Default lease TTL of a shard (and of a node heartbeat) in ms. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

/**
 * The shard of actor `type:id`: FNV-1a (32 bit) of its UTF-8 bytes modulo
 * `shards`. Stable across nodes, processes and versions.
 *
 * @example
 * ```ts
 * const shard = shardOf("bedrift", "42", 64); // 0…63
 * ```
 */
export function shardOf(
  type: string,
  id: string,
  shards = DEFAULT_SHARDS,
): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${type}:${id}`)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** Why a node gives a shard up. */
export const ReleaseReasons = {
  /** Another node joined: this one holds more than its fair share. */
  rebalance: "rebalance",
  /** The lease could not be renewed in time, or another node holds it now. */
  lost: "lost",
  /** The node stops gracefully. */
  stop: "stop",
} as const;
export type ReleaseReason = typeof ReleaseReasons[keyof typeof ReleaseReasons];

/** What the placement tells the node about the shards it serves. */
export interface ShardHandler {
  /** The node now holds the lease: start serving the shard. */
  acquired(shard: number): void | Promise<void>;
  /** The node no longer serves the shard: stop, drain and passivate its actors. */
  released(shard: number, reason: ReleaseReason): void | Promise<void>;
}

/** Options of `ShardPlacement`. */
export interface ShardPlacementOptions {
  kv: KV;
  jsm: JetStreamManager;
  nodeId: string;
  handler: ShardHandler;
  /** Number of shards (default 64); the same on every node. */
  shards?: number;
  /** Lease TTL in ms (default 10 000); the same on every node. */
  leaseTtlMs?: number;
  /** Most shards given up per tick when above the fair share (default 8). */
  releasePerTick?: number;
  /**
   * Test hook: shards this node serves without holding their lease, to force
   * double ownership. Never set in production.
   */
  assumeOwnership?: (shard: number) => boolean;
  /** False while NATS is unreachable: ticks then only let leases run out. */
  connected?: () => boolean;
}

interface Lease {
  revision: number;
  /** Until then (performance.now()) no other node can have taken it. */
  validUntil: number;
}

interface Seen {
  revision: number;
  node: string | null;
  /** When this node first saw that revision (performance.now()). */
  at: number;
}

/** What the placement knows now, for readiness and metrics. */
export interface PlacementStatus {
  nodeId: string;
  shards: number;
  owned: number[];
  liveNodes: string[];
  /** Ms since the last tick that reached NATS, or null before the first. */
  sinceLastTick: number | null;
}

/** One shard as a node sees it (`ShardPlacement.shardMap`). */
export interface ShardLeaseView {
  shard: number;
  /** The node holding its lease; null when free or not seen yet. */
  node: string | null;
  /**
   * Ms since its lease was last renewed: exact for this node's own, as
   * observed (a tick's granularity) for another's; null when free.
   */
  ageMs: number | null;
  /** Times its lease went from one node to another while this node watched. */
  moves: number;
}

/** A lease that went from one node to another. */
export interface ShardMove {
  shard: number;
  from: string;
  to: string;
  /** Epoch ms this node saw it. */
  at: number;
}

/** Every shard's holder as this node sees it, and the recent moves. */
export interface ShardMap {
  nodeId: string;
  shards: number;
  ttlMs: number;
  leases: ShardLeaseView[];
  /** Newest first, at most `MAX_MOVES`. */
  moves: ShardMove[];
}

/** Moves a node remembers for its shard map. */
const MAX_MOVES = 50;

/**
 * Shard leases in the JetStream KV bucket `tms_placement`.
 *
 * Every tick (a third of the TTL) the node puts its heartbeat `node.<id>`,
 * renews its leases `shard.<n>` by revision-checked update, and reads the
 * other leases. A lease or heartbeat whose revision has not changed for a TTL
 * as seen by this node's clock is expired (no clock is compared across
 * nodes); a lease the node could not renew stops being served a fifth of a
 * TTL before anyone else may take it. The node then claims free or expired
 * shards up to its fair share (`ceil(shards / live nodes)`) by create or
 * revision-checked update, and above its share gives a few up per tick, so a
 * joining node gets shards gradually. Leases are an optimisation of routing:
 * correctness rests on the event log's expected-sequence append.
 *
 * @example
 * ```ts
 * const kv = await openPlacementBucket(js, { ttlMs: 10_000, replicas: 1 });
 * const placement = new ShardPlacement({ kv, jsm, nodeId: "a", handler });
 * await placement.start();
 * placement.owns(shardOf("bedrift", "42"));
 * await placement.stop();
 * ```
 */
export class ShardPlacement {
  readonly nodeId: string;
  readonly shards: number;
  readonly ttlMs: number;
  readonly #kv: KV;
  readonly #jsm: JetStreamManager;
  readonly #handler: ShardHandler;
  readonly #releasePerTick: number;
  readonly #assume?: (shard: number) => boolean;
  readonly #connected: () => boolean;
  readonly #leases = new Map<number, Lease>();
  readonly #seenShards = new Map<number, Seen>();
  readonly #seenNodes = new Map<string, Seen>();
  #live: string[] = [];
  /** The last node seen holding each shard, and its moves (for the shard map). */
  readonly #holders = new Map<number, { node: string; moves: number }>();
  readonly #moves: ShardMove[] = [];
  #lastTick: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = false;

  constructor(options: ShardPlacementOptions) {
    this.nodeId = options.nodeId;
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isInteger(this.shards) || this.shards < 1) {
      throw new RangeError("Shards must be a positive integer");
    }
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 300) {
      throw new RangeError("Lease TTL must be an integer of at least 300 ms");
    }
    if (!/^[-\w=]+$/.test(this.nodeId)) {
      throw new RangeError(
        `Node id may hold letters, digits, "-", "_" and "=", got "${this.nodeId}"`,
      );
    }
    this.#kv = options.kv;
    this.#jsm = options.jsm;
    this.#handler = options.handler;
    this.#releasePerTick = options.releasePerTick ?? 8;
    this.#assume = options.assumeOwnership;
    this.#connected = options.connected ?? (() => true);
  }

  /** Runs the first tick, then ticks every third of the TTL until `stop()`. */
  async start(): Promise<void> {
    await this.tick();
    this.#schedule();
  }

  /** True while this node may serve `shard`. */
  owns(shard: number): boolean {
    if (this.#assume?.(shard)) return true;
    const lease = this.#leases.get(shard);
    if (!lease) return false;
    if (performance.now() < lease.validUntil) return true;
    void this.#lose(shard, lease);
    return false;
  }

  /** What this node knows now. */
  status(): PlacementStatus {
    return {
      nodeId: this.nodeId,
      shards: this.shards,
      owned: [...this.#leases.keys()].sort((a, b) => a - b),
      liveNodes: [...this.#live],
      sinceLastTick: this.#lastTick === null
        ? null
        : Math.round(performance.now() - this.#lastTick),
    };
  }

  /**
   * Every shard's holder, the age of its lease and how often it moved, as
   * this node knows them now (its own leases, and the others' from its last
   * tick): for an operator's shard map. Costs no request.
   */
  shardMap(): ShardMap {
    const now = performance.now();
    const safeMs = this.#safeMs();
    const leases: ShardLeaseView[] = [];
    for (let shard = 0; shard < this.shards; shard++) {
      const own = this.#leases.get(shard);
      const seen = own ? undefined : this.#seenShards.get(shard);
      leases.push({
        shard,
        node: own ? this.nodeId : seen?.node ?? null,
        ageMs: own
          ? Math.max(0, Math.round(now - (own.validUntil - safeMs)))
          : seen
          ? Math.round(now - seen.at)
          : null,
        moves: this.#holders.get(shard)?.moves ?? 0,
      });
    }
    return {
      nodeId: this.nodeId,
      shards: this.shards,
      ttlMs: this.ttlMs,
      leases,
      moves: [...this.#moves],
    };
  }

  /** Notes who holds `shard`; a different node than before is a move. */
  #held(shard: number, node: string): void {
    const before = this.#holders.get(shard);
    if (!before) {
      this.#holders.set(shard, { node, moves: 0 });
      return;
    }
    if (before.node === node) return;
    this.#moves.unshift({ shard, from: before.node, to: node, at: Date.now() });
    if (this.#moves.length > MAX_MOVES) this.#moves.pop();
    this.#holders.set(shard, { node, moves: before.moves + 1 });
  }

  /** One round of heartbeat, renewal, observation, release and claim. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => this.#ticking = null);
    return this.#ticking;
  }

  /** Stops ticking, gives every shard up (handler first), removes the heartbeat. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#ticking;
    await Promise.all(
      [...this.#leases.keys()].map((shard) =>
        this.#release(shard, ReleaseReasons.stop)
      ),
    );
    await this.#kv.delete(PlacementKeys.node(this.nodeId)).catch(() => {});
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = null;
      await this.tick();
      this.#schedule();
    }, Math.max(50, Math.floor(this.ttlMs / 3)));
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (!this.#connected()) throw new Error("NATS connection is down");
      await this.#kv.put(
        PlacementKeys.node(this.nodeId),
        JSON.stringify({ node: this.nodeId, at: Date.now() }),
      );
      await Promise.all([this.#renewAll(), this.#observe()]);
      this.#lastTick = performance.now();
    } catch {
      // NATS is unreachable: leases run out on their own (see `owns`).
      for (const [shard, lease] of this.#leases) {
        if (performance.now() >= lease.validUntil) {
          await this.#lose(shard, lease);
        }
      }
      return;
    }
    if (this.#stopped) return;
    const share = Math.ceil(this.shards / Math.max(1, this.#live.length));
    const excess = this.#leases.size - share;
    if (excess > 0) {
      const give = [...this.#leases.keys()].slice(-excess).slice(
        0,
        this.#releasePerTick,
      );
      await Promise.all(
        give.map((shard) => this.#release(shard, ReleaseReasons.rebalance)),
      );
    } else if (excess < 0) {
      await this.#claim(-excess);
    }
  }

  async #renewAll(): Promise<void> {
    await Promise.all(
      [...this.#leases].map(async ([shard, lease]) => {
        const started = performance.now();
        try {
          const revision = await this.#kv.update(
            PlacementKeys.shard(shard),
            this.#value(),
            lease.revision,
          );
          if (this.#leases.get(shard) === lease) {
            lease.revision = revision;
            lease.validUntil = started + this.#safeMs();
          }
        } catch (error) {
          if (
            isWrongLastSequence(error) || performance.now() >= lease.validUntil
          ) {
            await this.#lose(shard, lease);
          } else {
            throw error;
          }
        }
      }),
    );
  }

  /** Reads heartbeats and the leases of shards this node does not hold. */
  async #observe(): Promise<void> {
    const now = performance.now();
    const stream = `KV_${JetStreamNames.placement}`;
    const prefix =
      `$KV.${JetStreamNames.placement}.${PlacementKeys.nodePrefix}`;
    const info = await this.#jsm.streams.info(stream, {
      subjects_filter: `${prefix}>`,
    });
    const nodes = Object.keys(info.state.subjects ?? {}).map((s) =>
      s.slice(prefix.length)
    );
    const heartbeats = await Promise.all(
      nodes.map(async (node) => {
        const entry = await this.#kv.get(PlacementKeys.node(node));
        return {
          node,
          revision: entry?.operation === "PUT" ? entry.revision : 0,
        };
      }),
    );
    const live = new Set([this.nodeId]);
    for (const { node, revision } of heartbeats) {
      if (revision === 0) continue;
      if (fresh(this.#seenNodes, node, revision, null, now, this.ttlMs)) {
        live.add(node);
      }
    }
    this.#live = [...live].sort();
    const others: number[] = [];
    for (let s = 0; s < this.shards; s++) {
      if (!this.#leases.has(s)) others.push(s);
    }
    await Promise.all(others.map(async (shard) => {
      const entry = await this.#kv.get(PlacementKeys.shard(shard));
      if (!entry || entry.operation !== "PUT") {
        this.#seenShards.delete(shard);
        return;
      }
      const node = entry.json<{ node: string }>().node;
      if (
        fresh(this.#seenShards, shard, entry.revision, node, now, this.ttlMs)
      ) {
        this.#held(shard, node);
      }
    }));
  }

  async #claim(wanted: number): Promise<void> {
    const now = performance.now();
    const candidates: { shard: number; revision: number }[] = [];
    for (let shard = 0; shard < this.shards; shard++) {
      if (this.#leases.has(shard)) continue;
      const seen = this.#seenShards.get(shard);
      if (!seen) candidates.push({ shard, revision: 0 });
      else if (seen.node === this.nodeId || now - seen.at > this.ttlMs) {
        // Expired, or this node's own lease from before a restart or outage.
        candidates.push({ shard, revision: seen.revision });
      }
    }
    shuffle(candidates);
    let taken = 0;
    for (const { shard, revision } of candidates) {
      if (taken >= wanted || this.#stopped) break;
      const started = performance.now();
      const key = PlacementKeys.shard(shard);
      let got: number | null = null;
      try {
        got = revision === 0
          ? await this.#kv.create(key, this.#value())
          : await this.#kv.update(key, this.#value(), revision);
      } catch {
        got = await this.#retake(key, revision);
      }
      if (got === null) continue;
      this.#seenShards.delete(shard);
      this.#held(shard, this.nodeId);
      this.#leases.set(shard, {
        revision: got,
        validUntil: started + this.#safeMs(),
      });
      taken++;
      await this.#handler.acquired(shard);
    }
  }

  /**
   * A claim failed: the lease was removed by the bucket's max age (create it
   * anew), or it is this node's own from before an outage (update it).
   */
  async #retake(key: string, tried: number): Promise<number | null> {
    try {
      const entry = await this.#kv.get(key);
      if (!entry || entry.operation !== "PUT") {
        return tried === 0 ? null : await this.#kv.create(key, this.#value());
      }
      if (entry.json<{ node: string }>().node !== this.nodeId) return null;
      return await this.#kv.update(key, this.#value(), entry.revision);
    } catch {
      return null;
    }
  }

  /** Gives a shard up: stop serving first, then delete the lease (revision-checked). */
  async #release(shard: number, reason: ReleaseReason): Promise<void> {
    const lease = this.#leases.get(shard);
    if (!lease) return;
    this.#leases.delete(shard);
    await this.#handler.released(shard, reason);
    await this.#kv.delete(PlacementKeys.shard(shard), {
      previousSeq: lease.revision,
    }).catch(() => {});
  }

  async #lose(shard: number, lease: Lease): Promise<void> {
    if (this.#leases.get(shard) !== lease) return;
    this.#leases.delete(shard);
    await this.#handler.released(shard, ReleaseReasons.lost);
  }

  /** How long after a renewal starts this node may still serve. */
  #safeMs(): number {
    return this.ttlMs - Math.ceil(this.ttlMs / 5);
  }

  #value(): string {
    return JSON.stringify({ node: this.nodeId, at: Date.now() });
  }
}

/**
 * The bucket `tms_placement`: one value per key, entries expire a TTL after
 * their last write (the server's clean-up; expiry is judged by the nodes).
 */
export function openPlacementBucket(
  js: JetStreamClient,
  options: { ttlMs: number; replicas: number; attempts?: number },
): Promise<KV> {
  return openLeaseBucket(js, JetStreamNames.placement, options);
}

/** Records a revision; true while it changed within `ttlMs` as seen here. */
function fresh<K>(
  seen: Map<K, Seen>,
  key: K,
  revision: number,
  node: string | null,
  now: number,
  ttlMs: number,
): boolean {
  const known = seen.get(key);
  if (!known || known.revision !== revision) {
    seen.set(key, { revision, node, at: now });
    return true;
  }
  return now - known.at <= ttlMs;
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
