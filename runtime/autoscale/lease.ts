/** The lease that makes one supervisor of the cluster the active one. */
import type { JetStreamClient, KV } from "../../deps.ts";
import { SupervisorKeys } from "../core/mod.ts";
import { isWrongLastSequence, openLeaseBucket } from "../nats/mod.ts";

/** Options of a {@linkcode SupervisorLease}. */
export interface SupervisorLeaseOptions {
  kv: KV;
  /** The supervisor's key in the bucket (`SupervisorKeys.autoscale`). */
  key: string;
  nodeId: string;
  /** Lease TTL in ms; renewed every third of it. */
  ttlMs: number;
  /** Called when this node becomes, or stops being, the active supervisor. */
  onChange?(active: boolean): void | Promise<void>;
}

/**
 * One key of the `tms_supervisors` bucket held by one node, as the shard
 * leases are held: created when free, renewed every TTL/3 by a
 * revision-checked update, taken over by a revision-checked update when its
 * revision has not changed for a TTL as this node's clock sees it (no clock
 * is compared across nodes), deleted (revision-checked) on `stop()` so
 * another node takes over at its next tick. A holder that cannot renew
 * stops being active a fifth of a TTL before anyone else may take it.
 *
 * @example
 * ```ts
 * const kv = await openSupervisorBucket(js, { ttlMs: 10_000, replicas: 1 });
 * const lease = new SupervisorLease({ kv, key: "autoscale", nodeId, ttlMs: 10_000, onChange });
 * await lease.start();
 * lease.active;
 * await lease.stop();
 * ```
 */
export class SupervisorLease {
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly #kv: KV;
  readonly #key: string;
  readonly #onChange?: (active: boolean) => void | Promise<void>;
  #held: { revision: number; validUntil: number } | null = null;
  #seen: { revision: number; at: number; node: string | null } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = false;

  constructor(options: SupervisorLeaseOptions) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs < 300) {
      throw new RangeError("Lease TTL must be an integer of at least 300 ms");
    }
    this.nodeId = options.nodeId;
    this.ttlMs = options.ttlMs;
    this.#kv = options.kv;
    this.#key = options.key;
    this.#onChange = options.onChange;
  }

  /** True while this node holds the lease and may act on it. */
  get active(): boolean {
    return this.#held !== null && performance.now() < this.#held.validUntil;
  }

  /** The node that held it when last seen (this one while active). */
  get holder(): string | null {
    return this.#held ? this.nodeId : this.#seen?.node ?? null;
  }

  /** Runs the first tick, then ticks every third of the TTL until `stop()`. */
  async start(): Promise<void> {
    await this.tick();
    this.#schedule();
  }

  /** One round: renew, or look and claim. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => this.#ticking = null);
    return this.#ticking;
  }

  /** Stops ticking and gives the lease up. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#ticking;
    const held = this.#held;
    if (!held) return;
    await this.#lose();
    await this.#kv.delete(this.#key, { previousSeq: held.revision })
      .catch(() => {});
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
    const started = performance.now();
    const held = this.#held;
    if (held) {
      try {
        const revision = await this.#kv.update(
          this.#key,
          this.#value(),
          held.revision,
        );
        this.#held = { revision, validUntil: started + this.#safeMs() };
      } catch (error) {
        if (
          isWrongLastSequence(error) || performance.now() >= held.validUntil
        ) {
          await this.#lose();
        }
      }
      return;
    }
    let revision: number | null = null;
    try {
      const entry = await this.#kv.get(this.#key);
      if (!entry || entry.operation !== "PUT") {
        revision = await this.#kv.create(this.#key, this.#value());
      } else {
        const node = entry.json<{ node: string }>().node;
        const now = performance.now();
        if (!this.#seen || this.#seen.revision !== entry.revision) {
          this.#seen = { revision: entry.revision, at: now, node };
        }
        // Its own lease from before a restart, or one nobody renewed for a TTL.
        if (node === this.nodeId || now - this.#seen.at > this.ttlMs) {
          revision = await this.#kv.update(
            this.#key,
            this.#value(),
            entry.revision,
          );
        }
      }
    } catch {
      // Another node was quicker, or NATS is unreachable: look again next tick.
      return;
    }
    if (revision === null || this.#stopped) return;
    this.#held = { revision, validUntil: started + this.#safeMs() };
    this.#seen = null;
    await this.#onChange?.(true);
  }

  async #lose(): Promise<void> {
    if (!this.#held) return;
    this.#held = null;
    await this.#onChange?.(false);
  }

  #safeMs(): number {
    return this.ttlMs - Math.ceil(this.ttlMs / 5);
  }

  #value(): string {
    return JSON.stringify({ node: this.nodeId, at: Date.now() });
  }
}

/** The bucket `tms_supervisors` (see `openLeaseBucket`). */
export function openSupervisorBucket(
  js: JetStreamClient,
  options: { ttlMs: number; replicas: number; attempts?: number },
): Promise<KV> {
  return openLeaseBucket(js, SupervisorKeys.bucket, options);
}
