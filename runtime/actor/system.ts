import { backoff, delay } from "../core/abort.ts";
import {
  ConcurrencyError,
  DomainError,
  UnavailableError,
} from "../core/errors.ts";
import {
  type ActorState,
  type AnyDefinition,
  rehydrate,
  rememberCommand,
  snapshotOf,
} from "./state.ts";
import type { DomainEvent, EventLog } from "../core/types.ts";
import type {
  ActorClient,
  ActorDefinition,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadResult,
} from "./types.ts";

interface Envelope {
  kind: "command" | "read";
  command?: unknown;
  options: AskOptions;
  resolve: (value: AskResult | ReadResult) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

interface Activation extends ActorState {
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
}

interface Parked {
  type: string;
  id: string;
  until: number;
  reason: string;
}

const DEFAULTS = {
  mailboxCapacity: 1000,
  idleTimeoutMs: 5 * 60_000,
  maxActive: 100_000,
  snapshotEvery: 100,
  recentCommands: 128,
  restartAttempts: 3,
  restartBaseDelayMs: 20,
  restartMaxDelayMs: 1000,
  parkMs: 5000,
} as const;

const STALE_RETRIES = 3;

/**
 * Virtual actors over an `EventLog`. An actor exists by its id, is activated on
 * its first message (latest snapshot + tail replay), handles one message at a
 * time from a bounded mailbox, and is passivated when idle or when too many are
 * active.
 *
 * @example
 * ```ts
 * const system = new ActorSystem({ log: new MemoryEventLog() });
 * system.register({ type: "counter", decider: counter });
 * const { version } = await system.ask("counter", "a", { type: "inc" });
 * ```
 */
export class ActorSystem implements ActorClient {
  readonly log: EventLog;
  readonly #options: Required<Omit<ActorSystemOptions, "log">>;
  readonly #definitions = new Map<string, AnyDefinition>();
  readonly #active = new Map<string, Activation>();
  readonly #parked = new Map<string, Parked>();
  #sweeper: ReturnType<typeof setInterval>;
  #commands = 0;
  #restarts = 0;
  #closed = false;

  constructor(options: ActorSystemOptions) {
    this.log = options.log;
    const { log: _, ...rest } = options;
    this.#options = { ...DEFAULTS, ...withoutUndefined(rest) };
    this.#sweeper = setInterval(
      () => this.#sweep(),
      Math.max(10, Math.min(this.#options.idleTimeoutMs / 2, 30_000)),
    );
    Deno.unrefTimer(this.#sweeper);
  }

  /** Registers an aggregate type. */
  register<C, E extends DomainEvent, S>(
    definition: ActorDefinition<C, E, S>,
  ): this {
    if (this.#definitions.has(definition.type)) {
      throw new TypeError(
        `Actor type ${definition.type} is already registered`,
      );
    }
    this.#definitions.set(definition.type, definition as AnyDefinition);
    return this;
  }

  /** Sends a command to the actor `type/id` and waits for its commit. */
  ask<E extends DomainEvent = DomainEvent, S = unknown>(
    type: string,
    id: string,
    command: unknown,
    options: AskOptions = {},
  ): Promise<AskResult<E, S>> {
    return this.#enqueue(type, id, "command", command, options) as Promise<
      AskResult<E, S>
    >;
  }

  /** Reads the actor's state through its mailbox; version 0 means it does not exist. */
  read<S = unknown>(
    type: string,
    id: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReadResult<S>> {
    return this.#enqueue(type, id, "read", undefined, options) as Promise<
      ReadResult<S>
    >;
  }

  /** Current counters, for health and metrics. */
  stats(): ActorSystemStats {
    let queued = 0;
    let maxMailboxDepth = 0;
    for (const activation of this.#active.values()) {
      queued += activation.mailbox.length;
      maxMailboxDepth = Math.max(maxMailboxDepth, activation.mailbox.length);
    }
    const now = Date.now();
    const parked = [...this.#parked.values()].filter((p) => p.until > now);
    return {
      active: this.#active.size,
      queued,
      maxMailboxDepth,
      commands: this.#commands,
      restarts: this.#restarts,
      parked,
    };
  }

  /**
   * Passivates one actor: now when idle, or as soon as the message in hand is
   * done. False when it is not active or has messages waiting.
   */
  passivate(type: string, id: string): boolean {
    const key = actorKey(type, id);
    const activation = this.#active.get(key);
    if (!activation || activation.mailbox.length > 0) return false;
    activation.retire = true;
    if (!activation.running) this.#settle(activation);
    return true;
  }

  /** Drops an activation that is retired or has no history, once idle. */
  #settle(activation: Activation): void {
    if (activation.mailbox.length > 0) return;
    const empty = activation.loaded && activation.version === 0;
    if (
      (activation.retire || empty) &&
      this.#active.get(activation.key) === activation
    ) {
      this.#active.delete(activation.key);
    }
  }

  /** Stops accepting messages, waits for mailboxes to drain, stops timers. */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while (Date.now() < deadline && this.#busy()) await delay(5);
    this.#active.clear();
  }

  #busy(): boolean {
    for (const a of this.#active.values()) {
      if (a.running || a.mailbox.length > 0) return true;
    }
    return false;
  }

  #enqueue(
    type: string,
    id: string,
    kind: Envelope["kind"],
    command: unknown,
    options: AskOptions,
  ): Promise<AskResult | ReadResult> {
    try {
      if (this.#closed) {
        throw new UnavailableError("Actor system is shutting down", {
          retryAfter: 1,
        });
      }
      const def = this.#definitions.get(type);
      if (!def) throw new TypeError(`Unknown actor type ${type}`);
      if (typeof id !== "string" || id.length === 0) {
        throw new TypeError("Actor id must be a non-empty string");
      }
      options.signal?.throwIfAborted();
      const key = actorKey(type, id);
      const parked = this.#parked.get(key);
      if (parked) {
        const remaining = parked.until - Date.now();
        if (remaining > 0) {
          throw new UnavailableError(
            `Actor ${key} is parked after repeated failures: ${parked.reason}`,
            { retryAfter: Math.ceil(remaining / 1000) },
          );
        }
        this.#parked.delete(key);
      }
      const activation = this.#activation(key, type, id, def);
      if (activation.mailbox.length >= this.#options.mailboxCapacity) {
        throw new UnavailableError(`Mailbox of ${key} is full`, {
          status: 429,
          retryAfter: 1,
        });
      }
      return new Promise((resolve, reject) => {
        const signal = options.signal;
        const envelope: Envelope = {
          kind,
          command,
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
        const onAbort = () => {
          const index = activation.mailbox.indexOf(envelope);
          if (index >= 0) activation.mailbox.splice(index, 1);
          envelope.reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        activation.mailbox.push(envelope);
        if (!activation.running) void this.#drain(activation);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #activation(
    key: string,
    type: string,
    id: string,
    def: AnyDefinition,
  ): Activation {
    let activation = this.#active.get(key);
    if (activation) {
      this.#active.delete(key);
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
      };
    }
    activation.lastUsed = Date.now();
    this.#active.set(key, activation);
    if (this.#active.size > this.#options.maxActive) this.#evictLeastRecent();
    return activation;
  }

  #evictLeastRecent(): void {
    for (const [key, a] of this.#active) {
      if (this.#active.size <= this.#options.maxActive) return;
      if (!a.running && a.mailbox.length === 0) this.#active.delete(key);
    }
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#options.idleTimeoutMs;
    for (const [key, a] of this.#active) {
      if (a.lastUsed < cutoff && !a.running && a.mailbox.length === 0) {
        this.#active.delete(key);
      }
    }
    const now = Date.now();
    for (const [key, p] of this.#parked) {
      if (p.until <= now) this.#parked.delete(key);
    }
  }

  async #drain(activation: Activation): Promise<void> {
    activation.running = true;
    try {
      while (activation.mailbox.length > 0) {
        const envelope = activation.mailbox.shift()!;
        if (envelope.options.signal?.aborted) {
          envelope.reject(envelope.options.signal.reason);
          continue;
        }
        if (envelope.kind === "command") this.#commands++;
        await this.#handle(activation, envelope);
      }
    } finally {
      activation.running = false;
      activation.lastUsed = Date.now();
      this.#settle(activation);
    }
  }

  async #handle(activation: Activation, envelope: Envelope): Promise<void> {
    const signal = envelope.options.signal;
    let infraFailures = 0;
    let staleRetries = 0;
    for (;;) {
      try {
        if (!activation.loaded) await this.#load(activation);
        const result = envelope.kind === "read"
          ? {
            version: activation.version,
            position: activation.position,
            state: activation.state,
          }
          : await this.#process(activation, envelope);
        this.#settle(activation);
        envelope.resolve(result);
        return;
      } catch (error) {
        if (!(error instanceof InfrastructureFailure)) {
          envelope.reject(error);
          return;
        }
        activation.loaded = false;
        if (error.cause instanceof ConcurrencyError) {
          if (++staleRetries <= STALE_RETRIES) continue;
          envelope.reject(error.cause);
          return;
        }
        this.#restarts++;
        if (infraFailures >= this.#options.restartAttempts) {
          this.#park(activation, error.cause);
          envelope.reject(
            new UnavailableError(
              `Actor ${activation.key} failed ${
                infraFailures + 1
              } times and is parked`,
              {
                retryAfter: Math.ceil(this.#options.parkMs / 1000),
                cause: error.cause,
              },
            ),
          );
          return;
        }
        try {
          await delay(
            backoff(
              infraFailures++,
              this.#options.restartBaseDelayMs,
              this.#options.restartMaxDelayMs,
            ),
            { signal },
          );
        } catch (abort) {
          envelope.reject(abort);
          return;
        }
      }
    }
  }

  async #process(
    activation: Activation,
    envelope: Envelope,
  ): Promise<AskResult> {
    const { options } = envelope;
    const commandId = options.commandId ?? crypto.randomUUID();
    const seen = activation.recent.get(commandId);
    if (seen) {
      return {
        version: seen.version,
        position: seen.position,
        events: seen.events,
        state: activation.state,
        duplicate: true,
      };
    }
    if (
      options.expectedVersion !== undefined &&
      options.expectedVersion !== activation.version
    ) {
      throw new ConcurrencyError(
        `${activation.key} is at version ${activation.version}, not ${options.expectedVersion}`,
        options.expectedVersion,
        activation.version,
      );
    }
    const { decider } = activation.def;
    const events = decider.decide(envelope.command, activation.state);
    if (events.length === 0) {
      return {
        version: activation.version,
        position: activation.position,
        events: [],
        state: activation.state,
        duplicate: false,
      };
    }
    const state = events.reduce(
      (s: unknown, e: DomainEvent) => decider.evolve(s, e),
      activation.state,
    );
    let appended;
    try {
      appended = await this.log.append({
        type: activation.type,
        id: activation.id,
        expectedVersion: activation.version,
        commandId,
        events,
        meta: options.meta,
      });
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) {
        throw error;
      }
      throw new InfrastructureFailure(error);
    }
    if (appended.duplicate) {
      // The log knew this command id but the actor did not: reload, and the
      // recent-command check answers with the original result.
      throw new InfrastructureFailure(
        new ConcurrencyError(
          `${activation.key} missed commit of command ${commandId}`,
          activation.version,
          appended.version,
        ),
      );
    }
    activation.state = state;
    activation.version = appended.version;
    activation.position = appended.position;
    rememberCommand(activation.recent, {
      commandId,
      version: appended.version,
      position: appended.position,
      events,
    }, this.#options.recentCommands);
    this.#maybeSnapshot(activation);
    return {
      version: appended.version,
      position: appended.position,
      events,
      state,
      duplicate: false,
    };
  }

  async #load(activation: Activation): Promise<void> {
    const { def, type, id } = activation;
    try {
      const loaded = await rehydrate(
        this.log,
        def,
        type,
        id,
        this.#options.recentCommands,
      );
      Object.assign(activation, loaded, { loaded: true });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new InfrastructureFailure(error);
    }
  }

  #maybeSnapshot(activation: Activation): void {
    const every = activation.def.snapshotEvery ?? this.#options.snapshotEvery;
    if (every <= 0 || activation.version - activation.snapshotVersion < every) {
      return;
    }
    const snapshot = snapshotOf(activation.def, activation);
    activation.snapshotVersion = activation.version;
    // A failed snapshot is tried again `every` commits later, not on the next
    // command: one that can never be written (a state over the backend's
    // value limit) would otherwise serialize the whole state on every command.
    this.log.saveSnapshot(activation.type, activation.id, snapshot).catch(
      (error) => {
        console.warn(`Snapshot of ${activation.key} failed`, error);
      },
    );
  }

  #park(activation: Activation, cause: unknown): void {
    const until = Date.now() + this.#options.parkMs;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#parked.set(activation.key, {
      type: activation.type,
      id: activation.id,
      until,
      reason,
    });
    const queued = activation.mailbox.splice(0);
    for (const envelope of queued) {
      envelope.reject(
        new UnavailableError(`Actor ${activation.key} is parked: ${reason}`, {
          retryAfter: Math.ceil(this.#options.parkMs / 1000),
          cause,
        }),
      );
    }
    this.#active.delete(activation.key);
  }
}

/** Marks a failure of the log (not of the command) inside the mailbox loop. */
class InfrastructureFailure extends Error {
  override name = "InfrastructureFailure";
  constructor(cause: unknown) {
    super("Event log failure", { cause });
  }
}

function actorKey(type: string, id: string): string {
  return `${type}/${id}`;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

export type {
  ActorClient,
  ActorDefinition,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadResult,
} from "./types.ts";
