/**
 * One relay per cluster: the nodes elect the one that runs the `FeedRelay`
 * through a lease, the key `lease.<name>` of the JetStream KV bucket
 * `tms_consumers`, with failover.
 */
import type { KV } from "../../deps.ts";
import { FeedConsumerKeys } from "../core/mod.ts";
import { isWrongLastSequence } from "../nats/mod.ts";
import type { FeedRelay } from "./relay.ts";

/** What this node does for the relay. */
export type RelayRole = "relay" | "standby" | "stopped";

/** Options of `LeasedRelay`. */
export interface LeasedRelayOptions<O> {
  /** The bucket `tms_consumers` (`openConsumersBucket`). */
  kv: KV;
  /** This node's name in the lease. */
  holder: string;
  /** The relay to run while holding the lease: a fresh one each time (it loads the checkpoint). */
  relay: () => FeedRelay<O>;
  /** Lease TTL (default 10 000 ms); renewed every third of it. */
  ttlMs?: number;
  /** Name of the lease (default the relay's: `integration`). */
  name?: string;
  onRole?: (role: RelayRole) => void;
}

interface Seen {
  revision: number;
  at: number;
}

/**
 * Runs a relay on exactly one of the nodes sharing a NATS, with failover.
 *
 * The holder renews the lease by revision-checked update every third of the
 * TTL. A lease whose revision has not changed for a TTL, as seen by the clock
 * of the node looking (no clocks are compared across nodes), is expired and
 * taken by revision-checked update; a graceful stop deletes it, so another
 * node takes over at its next round. A holder that cannot renew stops its
 * relay a fifth of a TTL before anyone else may take over. Correctness does
 * not rest on the lease: the checkpoint is written revision-checked, and a
 * re-published event is dropped by the stream's `Nats-Msg-Id` dedup.
 *
 * @example
 * ```ts
 * const leased = new LeasedRelay({ kv, holder: "node-1", relay: () => new FeedRelay(options) });
 * await leased.start();
 * await leased.stop();
 * ```
 */
export class LeasedRelay<O = unknown> {
  readonly #options: LeasedRelayOptions<O>;
  readonly #ttlMs: number;
  readonly #key: string;
  #role: RelayRole = "standby";
  #relay: FeedRelay<O> | null = null;
  #revision = 0;
  #validUntil = 0;
  #seen: Seen | null = null;
  #holder: string | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = false;
  #conflicted = false;

  constructor(options: LeasedRelayOptions<O>) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 10_000;
    if (!Number.isInteger(this.#ttlMs) || this.#ttlMs < 300) {
      throw new RangeError("Lease TTL must be an integer of at least 300 ms");
    }
    this.#key = FeedConsumerKeys.lease(options.name ?? "integration");
  }

  get role(): RelayRole {
    return this.#role;
  }

  /** The relay while this node runs it. */
  get relay(): FeedRelay<O> | null {
    return this.#relay;
  }

  /** Who held the lease when this node last looked. */
  get holder(): string | null {
    return this.#holder;
  }

  /** One round, then a round every third of the TTL until `stop()`. */
  async start(): Promise<void> {
    await this.tick();
    this.#schedule();
  }

  /** Stops the relay (after its batch in flight) and deletes the lease. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#ticking;
    const held = this.#relay !== null;
    await this.#stepDown();
    this.#role = "stopped";
    if (held) {
      await this.#options.kv.delete(this.#key, { previousSeq: this.#revision })
        .catch(() => {});
    }
  }

  /** Takes, renews or watches the lease; starts or stops the relay to match. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => this.#ticking = null);
    return this.#ticking;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = null;
      await this.tick();
      this.#schedule();
    }, Math.max(50, Math.floor(this.#ttlMs / 3)));
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const started = performance.now();
    try {
      if (this.#conflicted) {
        this.#conflicted = false;
        throw new LeaseLost();
      }
      if (this.#relay) {
        this.#revision = await this.#options.kv.update(
          this.#key,
          this.#value(),
          this.#revision,
        );
        this.#validUntil = started + this.#safeMs();
        return;
      }
      const revision = await this.#claim(started);
      if (revision === null) return;
      this.#revision = revision;
      this.#validUntil = started + this.#safeMs();
      await this.#stepUp();
    } catch (error) {
      if (!this.#relay) return;
      // Lost to another node, or unreachable for too long: stand down
      // before anyone else may take over.
      if (
        error instanceof LeaseLost || isWrongLastSequence(error) ||
        performance.now() >= this.#validUntil
      ) {
        await this.#stepDown();
      }
    }
  }

  /** The new revision when this node took the lease, else null. */
  async #claim(now: number): Promise<number | null> {
    const kv = this.#options.kv;
    const entry = await kv.get(this.#key);
    if (!entry || entry.operation !== "PUT") {
      this.#seen = null;
      this.#holder = null;
      try {
        return entry
          ? await kv.update(this.#key, this.#value(), entry.revision)
          : await kv.create(this.#key, this.#value());
      } catch {
        return null;
      }
    }
    const holder = entry.json<{ holder: string }>().holder;
    this.#holder = holder;
    const mine = holder === this.#options.holder;
    if (!this.#seen || this.#seen.revision !== entry.revision) {
      this.#seen = { revision: entry.revision, at: now };
      // This node's own lease from before a restart: take it back at once.
      if (!mine) return null;
    } else if (!mine && now - this.#seen.at <= this.#ttlMs) {
      return null;
    }
    try {
      return await kv.update(this.#key, this.#value(), entry.revision);
    } catch {
      return null;
    }
  }

  async #stepUp(): Promise<void> {
    if (this.#stopped) return;
    const relay = this.#options.relay();
    try {
      await relay.start();
    } catch (error) {
      await relay.stop().catch(() => {});
      console.warn("The relay did not start; lease given up", error);
      await this.#options.kv.delete(this.#key, { previousSeq: this.#revision })
        .catch(() => {});
      return;
    }
    this.#relay = relay;
    this.#holder = this.#options.holder;
    this.#role = "relay";
    this.#options.onRole?.("relay");
  }

  async #stepDown(): Promise<void> {
    const relay = this.#relay;
    if (!relay) return;
    this.#relay = null;
    this.#role = "standby";
    this.#seen = null;
    await relay.stop();
    this.#options.onRole?.("standby");
  }

  /** Told by the relay that another writer moved its checkpoint. */
  conflict(): void {
    this.#conflicted = true;
  }

  #safeMs(): number {
    return this.#ttlMs - Math.ceil(this.#ttlMs / 5);
  }

  #value(): string {
    return JSON.stringify({ holder: this.#options.holder, at: Date.now() });
  }
}

class LeaseLost extends Error {}
