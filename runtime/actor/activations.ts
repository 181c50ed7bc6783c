/**
 * The bookkeeping of an `ActorSystem`: which actors are active (most recently
 * used last, for LRU eviction and the idle sweep), which are parked after
 * repeated failures, and the envelopes waiting in their mailboxes. No I/O: the
 * system's mailbox loop does the work.
 */
import { UnavailableError } from "../core/mod.ts";
import type { ActorState, AnyDefinition } from "./state.ts";
import type { AskOptions, AskResult, ReadResult } from "./types.ts";
import type { TraceContext } from "../telemetry/mod.ts";

/** One message in a mailbox. */
export interface Envelope {
  kind: "command" | "read";
  command?: unknown;
  /** Fixed once per message, so every attempt (and a dead letter's retry) uses the same. */
  commandId: string;
  /** Version the first append of this message expected (null: none tried yet). */
  appendedFrom: number | null;
  options: AskOptions;
  /** The asker's trace context (its `tms.ask` span), when tracing is on. */
  trace?: TraceContext;
  resolve: (value: AskResult | ReadResult) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

/** One active actor: its state, its mailbox and whether it is running. */
export interface Activation extends ActorState {
  key: string;
  type: string;
  id: string;
  def: AnyDefinition;
  loaded: boolean;
  mailbox: Envelope[];
  running: boolean;
  /** Passivate as soon as the message in hand is done. */
  retire: boolean;
  lastUsed: number;
  /** Neighbours in the recency list (`Activations`); null at its ends and when out of it. */
  older: Activation | null;
  newer: Activation | null;
}

/** An actor that refuses messages until `until` (epoch ms). */
export interface Parked {
  type: string;
  id: string;
  until: number;
  reason: string;
}

/** The key of an actor: `type/id`. */
export function actorKey(type: string, id: string): string {
  return `${type}/${id}`;
}

/**
 * The active and the parked actors of one system. Recency is a doubly linked
 * list through the activations, not a `Map`'s insertion order: finding the
 * least recently used entry of a `Map` again and again walks over the slots
 * of the entries deleted before it (V8 keeps them until it rehashes), which
 * cost 34 µs per new activation at 100,000 active (measured).
 */
export class Activations {
  readonly #maxActive: number;
  readonly #active = new Map<string, Activation>();
  readonly #parked = new Map<string, Parked>();
  #oldest: Activation | null = null;
  #newest: Activation | null = null;

  constructor(maxActive: number) {
    this.#maxActive = maxActive;
  }

  get size(): number {
    return this.#active.size;
  }

  get(key: string): Activation | undefined {
    return this.#active.get(key);
  }

  values(): IterableIterator<Activation> {
    return this.#active.values();
  }

  /** Parked actors whose park has not ended. */
  parked(now = Date.now()): Parked[] {
    return [...this.#parked.values()].filter((p) => p.until > now);
  }

  /** Throws `UnavailableError` while `key` is parked; forgets an ended park. */
  assertNotParked(key: string): void {
    const parked = this.#parked.get(key);
    if (!parked) return;
    const remaining = parked.until - Date.now();
    if (remaining > 0) {
      throw new UnavailableError(
        `Actor ${key} is parked after repeated failures: ${parked.reason}`,
        { retryAfter: Math.ceil(remaining / 1000) },
      );
    }
    this.#parked.delete(key);
  }

  /**
   * The activation of `type/id` (its `key`), created (not loaded) when there is none,
   * marked most recently used; evicts the least recently used idle ones
   * beyond the maximum.
   */
  activate(
    key: string,
    type: string,
    id: string,
    def: AnyDefinition,
  ): Activation {
    let activation = this.#active.get(key);
    if (activation) {
      this.#unlink(activation);
      if (activation.retire) {
        // Passivated while busy: the next message reactivates from the log.
        activation.retire = false;
        activation.loaded = false;
      }
    } else {
      activation = {
        key,
        type,
        id,
        def,
        loaded: false,
        state: def.decider.initialState,
        version: 0,
        position: 0,
        snapshotVersion: 0,
        recent: new Map(),
        mailbox: [],
        running: false,
        retire: false,
        lastUsed: Date.now(),
        older: null,
        newer: null,
      };
      this.#active.set(key, activation);
    }
    activation.lastUsed = Date.now();
    this.#link(activation);
    if (this.#active.size > this.#maxActive) this.#evictLeastRecent();
    return activation;
  }

  /** Drops an activation that is retired or has no history, once idle. */
  settle(activation: Activation): void {
    if (activation.mailbox.length > 0) return;
    const empty = activation.loaded && activation.version === 0;
    if (
      (activation.retire || empty) &&
      this.#active.get(activation.key) === activation
    ) {
      this.#remove(activation);
    }
  }

  /**
   * Parks an actor for `parkMs` and drops its activation; the messages
   * waiting in its mailbox are refused with 503 (they were never attempted).
   */
  park(activation: Activation, parkMs: number, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    for (const envelope of activation.mailbox.splice(0)) {
      envelope.reject(
        new UnavailableError(`Actor ${activation.key} is parked: ${reason}`, {
          retryAfter: Math.ceil(parkMs / 1000),
          cause,
        }),
      );
    }
    this.#parked.set(activation.key, {
      type: activation.type,
      id: activation.id,
      until: Date.now() + parkMs,
      reason,
    });
    const current = this.#active.get(activation.key);
    if (current) this.#remove(current);
  }

  /** Ends every park at once; answers how many actors were parked. */
  unparkAll(): number {
    const parked = this.#parked.size;
    this.#parked.clear();
    return parked;
  }

  /** Passivates idle actors unused since `cutoff`; forgets ended parks. */
  sweep(cutoff: number): void {
    for (let a = this.#oldest, next; a; a = next) {
      next = a.newer;
      if (a.lastUsed < cutoff && !a.running && a.mailbox.length === 0) {
        this.#remove(a);
      }
    }
    const now = Date.now();
    for (const [key, p] of this.#parked) {
      if (p.until <= now) this.#parked.delete(key);
    }
  }

  /** True while any actor runs or has messages waiting. */
  busy(): boolean {
    for (const a of this.#active.values()) {
      if (a.running || a.mailbox.length > 0) return true;
    }
    return false;
  }

  clear(): void {
    for (let a = this.#oldest, next; a; a = next) {
      next = a.newer;
      a.older = a.newer = null;
    }
    this.#active.clear();
    this.#oldest = this.#newest = null;
  }

  #evictLeastRecent(): void {
    for (let a = this.#oldest, next; a; a = next) {
      if (this.#active.size <= this.#maxActive) return;
      next = a.newer;
      if (!a.running && a.mailbox.length === 0) this.#remove(a);
    }
  }

  #remove(activation: Activation): void {
    this.#active.delete(activation.key);
    this.#unlink(activation);
  }

  /** Puts the activation at the most recently used end. */
  #link(activation: Activation): void {
    activation.older = this.#newest;
    activation.newer = null;
    if (this.#newest) this.#newest.newer = activation;
    else this.#oldest = activation;
    this.#newest = activation;
  }

  #unlink(activation: Activation): void {
    const { older, newer } = activation;
    if (older) older.newer = newer;
    else if (this.#oldest === activation) this.#oldest = newer;
    else return; // not in the list
    if (newer) newer.older = older;
    else this.#newest = older;
    activation.older = activation.newer = null;
  }
}

/**
 * Puts a message into an activation's mailbox and returns its outcome. A
 * message whose signal aborts while it waits leaves the mailbox and rejects
 * with the signal's reason.
 */
export function post(
  activation: Activation,
  kind: Envelope["kind"],
  command: unknown,
  options: AskOptions,
): { envelope: Envelope; done: Promise<AskResult | ReadResult> } {
  let envelope!: Envelope;
  const done = new Promise<AskResult | ReadResult>((resolve, reject) => {
    const signal = options.signal;
    const onAbort = () => {
      const index = activation.mailbox.indexOf(envelope);
      if (index >= 0) activation.mailbox.splice(index, 1);
      envelope.reject(signal!.reason);
    };
    envelope = {
      kind,
      command,
      commandId: kind === "command"
        ? options.commandId ?? crypto.randomUUID()
        : "",
      appendedFrom: null,
      options,
      resolve: (value) => {
        envelope.detach();
        resolve(value);
      },
      reject: (error) => {
        envelope.detach();
        reject(error);
      },
      detach: () => signal?.removeEventListener("abort", onAbort),
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    activation.mailbox.push(envelope);
  });
  return { envelope, done };
}

/**
 * The envelope of a command handled at once, never in a mailbox: its
 * outcome goes straight back to the caller, so it has nothing to resolve.
 */
export function unposted(
  command: unknown,
  options: AskOptions,
  trace: TraceContext | undefined,
): Envelope {
  return {
    kind: "command",
    command,
    commandId: options.commandId ?? crypto.randomUUID(),
    appendedFrom: null,
    options,
    trace,
    resolve: ignore,
    reject: ignore,
    detach: ignore,
  };
}

function ignore(): void {}
