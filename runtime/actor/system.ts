import { backoff, delay } from "../core/abort.ts";
import {
  ConcurrencyError,
  DomainError,
  NotFoundError,
  UnavailableError,
} from "../core/errors.ts";
import { Activations, actorKey, post } from "./activations.ts";
import type { Activation, Envelope } from "./activations.ts";
import {
  type AnyDefinition,
  rehydrate,
  rememberCommand,
  replayTo,
  snapshotOf,
  stateAt,
} from "./state.ts";
import type { AsOf, Replayed } from "./state.ts";
import { errorReason } from "../core/dead_letters.ts";
import {
  captureContext,
  idHash,
  runInContext,
  tracingEnabled,
  withSpan,
} from "../telemetry/tracing.ts";
import type { Span, TraceContext } from "../telemetry/tracing.ts";
import type { DeadLetterInput } from "../core/dead_letters.ts";
import type { Commit, DomainEvent, EventLog } from "../core/types.ts";
import type {
  ActorClient,
  ActorDefinition,
  ActorSystemOptions,
  ActorSystemStats,
  AskOptions,
  AskResult,
  ReadOptions,
  ReadResult,
} from "./types.ts";

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
  readonly #options: Required<
    Omit<ActorSystemOptions, "log" | "onDeadLetter">
  >;
  readonly #onDeadLetter?: (letter: DeadLetterInput) => void;
  readonly #definitions = new Map<string, AnyDefinition>();
  readonly #actors: Activations;
  #sweeper: ReturnType<typeof setInterval>;
  #commands = 0;
  #restarts = 0;
  #closed = false;

  constructor(options: ActorSystemOptions) {
    this.log = options.log;
    this.#onDeadLetter = options.onDeadLetter;
    const { log: _, onDeadLetter: __, ...rest } = options;
    this.#options = { ...DEFAULTS, ...withoutUndefined(rest) };
    this.#actors = new Activations(this.#options.maxActive);
    this.#sweeper = setInterval(
      () => this.#actors.sweep(Date.now() - this.#options.idleTimeoutMs),
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

  /**
   * Sends a command to the actor `type/id` and waits for its commit. With
   * tracing on, inside a `tms.ask <type>` span (mailbox wait included) that
   * the append's span is a child of.
   */
  ask<E extends DomainEvent = DomainEvent, S = unknown>(
    type: string,
    id: string,
    command: unknown,
    options: AskOptions = {},
  ): Promise<AskResult<E, S>> {
    if (!tracingEnabled()) {
      return this.#enqueue(type, id, "command", command, options) as Promise<
        AskResult<E, S>
      >;
    }
    return withSpan(`tms.ask ${type}`, {
      attributes: {
        "tms.aggregate.type": type,
        "tms.aggregate.id_hash": idHash(String(id)),
        "tms.command": commandName(command),
      },
    }, async (span) => {
      try {
        const result = await this.#enqueue(
          type,
          id,
          "command",
          command,
          options,
          captureContext(),
        ) as AskResult<E, S>;
        span?.setAttributes({
          "tms.outcome": result.duplicate
            ? "duplicate"
            : result.events.length === 0
            ? "unchanged"
            : "committed",
          "tms.commit.version": result.version,
          "tms.commit.position": result.position,
        });
        return result;
      } catch (error) {
        setOutcome(span, error);
        throw error;
      }
    }, isInfrastructureError);
  }

  /** Reads the actor's state through its mailbox; version 0 means it does not exist. */
  read<S = unknown>(
    type: string,
    id: string,
    options: ReadOptions = {},
  ): Promise<ReadResult<S>> {
    return this.#enqueue(type, id, "read", undefined, options) as Promise<
      ReadResult<S>
    >;
  }

  /**
   * The state of `type/id` as it was at `asOf` (a version, or an instant:
   * the last commit accepted at or before it), replayed from the log by
   * whichever node asks — not through the actor's mailbox, so it works for
   * an actor another node owns. Null when it had no commit then (or never
   * reached the version), or when it belongs to another tenant than the
   * principal's (judged on the state replayed).
   *
   * @example
   * ```ts
   * const then = await system.readAt("invoice", id, { version: 2 });
   * ```
   */
  async readAt<S = unknown>(
    type: string,
    id: string,
    asOf: AsOf,
    options: ReadOptions = {},
  ): Promise<(Replayed & { state: S }) | null> {
    const def = this.#definition(type, id);
    options.signal?.throwIfAborted();
    const replayed = await replayTo(this.log, def, type, id, asOf);
    if (replayed === null) return null;
    if (this.#foreignState(def, replayed.state, id, options)) return null;
    return replayed as Replayed & { state: S };
  }

  /**
   * The commits of `type/id` after `afterVersion` (at most `limit`), read
   * from the log; null when the stream is empty or belongs to another
   * tenant than the principal's (judged on its whole history replayed).
   */
  async history(
    type: string,
    id: string,
    options: ReadOptions & { afterVersion?: number; limit?: number } = {},
  ): Promise<{ commits: Commit[]; version: number } | null> {
    const def = this.#definition(type, id);
    const commits = await this.log.readStream(type, id, 0, {
      signal: options.signal,
    });
    if (commits.length === 0) return null;
    let state = def.decider.initialState;
    for (const commit of commits) {
      for (const event of commit.events) {
        state = def.decider.evolve(state, event);
      }
    }
    if (this.#foreignState(def, state, id, options)) return null;
    const after = options.afterVersion ?? 0;
    return {
      commits: commits.filter((c) => c.version > after).slice(
        0,
        options.limit ?? commits.length,
      ),
      version: commits[commits.length - 1].version,
    };
  }

  #definition(type: string, id: string): AnyDefinition {
    const def = this.#definitions.get(type);
    if (!def) throw new TypeError(`Unknown actor type ${type}`);
    if (typeof id !== "string" || id.length === 0) {
      throw new TypeError("Actor id must be a non-empty string");
    }
    return def;
  }

  #foreignState(
    def: AnyDefinition,
    state: unknown,
    id: string,
    options: ReadOptions,
  ): boolean {
    const principal = options.principal;
    if (!principal || principal.tenant === null || !def.tenantOf) return false;
    const tenant = def.tenantOf(state, undefined, id);
    return tenant !== undefined && tenant !== principal.tenant;
  }

  /** Current counters, for health and metrics. */
  stats(): ActorSystemStats {
    let queued = 0;
    let maxMailboxDepth = 0;
    for (const activation of this.#actors.values()) {
      queued += activation.mailbox.length;
      maxMailboxDepth = Math.max(maxMailboxDepth, activation.mailbox.length);
    }
    return {
      active: this.#actors.size,
      queued,
      maxMailboxDepth,
      commands: this.#commands,
      restarts: this.#restarts,
      parked: this.#actors.parked(),
    };
  }

  /**
   * Passivates one actor: now when idle, or as soon as the message in hand is
   * done. False when it is not active or has messages waiting.
   */
  passivate(type: string, id: string): boolean {
    const key = actorKey(type, id);
    const activation = this.#actors.get(key);
    if (!activation || activation.mailbox.length > 0) return false;
    activation.retire = true;
    if (!activation.running) this.#actors.settle(activation);
    return true;
  }

  /** Stops accepting messages, waits for mailboxes to drain, stops timers. */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while (Date.now() < deadline && this.#actors.busy()) await delay(5);
    this.#actors.clear();
  }

  #enqueue(
    type: string,
    id: string,
    kind: Envelope["kind"],
    command: unknown,
    options: AskOptions,
    trace?: TraceContext,
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
      this.#actors.assertNotParked(key);
      const activation = this.#actors.activate(type, id, def);
      if (activation.mailbox.length >= this.#options.mailboxCapacity) {
        throw new UnavailableError(`Mailbox of ${key} is full`, {
          status: 429,
          retryAfter: 1,
        });
      }
      const { envelope, done } = post(activation, kind, command, options);
      envelope.trace = trace;
      if (!activation.running) void this.#drain(activation);
      return done;
    } catch (error) {
      return Promise.reject(error);
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
      this.#actors.settle(activation);
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
          ? this.#foreign(activation, envelope)
            // Another tenant's actor reads as one that does not exist.
            ? {
              version: 0,
              position: 0,
              state: activation.def.decider.initialState,
            }
            : {
              version: activation.version,
              position: activation.position,
              state: activation.state,
            }
          : await runInContext(
            envelope.trace,
            () => this.#process(activation, envelope),
          );
        this.#actors.settle(activation);
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
          if (envelope.kind === "command") {
            this.#deadLetter(activation, envelope, infraFailures + 1, error);
          }
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
    const { options, commandId } = envelope;
    if (this.#foreign(activation, envelope)) {
      throw new NotFoundError(`No such ${activation.type}`);
    }
    const seen = activation.recent.get(commandId);
    if (seen) {
      // A retry answers what the first call answered: its version, events and
      // the state as of that commit (replayed when the actor has moved on).
      return {
        version: seen.version,
        position: seen.position,
        events: seen.events,
        state: seen.version === activation.version
          ? activation.state
          : await this.#stateAt(activation, seen.version),
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
    envelope.appendedFrom ??= activation.version;
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
      // A DomainError from the log is a refusal before anything was written
      // (a sealing log whose data subject was erased), not a failure.
      if (
        error instanceof RangeError || error instanceof TypeError ||
        error instanceof DomainError
      ) {
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

  /**
   * True when the message's principal belongs to another tenant than the
   * actor (or the command, for one that does not exist yet): the second
   * tenancy check, whatever the edge did.
   */
  #foreign(activation: Activation, envelope: Envelope): boolean {
    const principal = envelope.options.principal;
    const tenantOf = activation.def.tenantOf;
    if (!principal || principal.tenant === null || !tenantOf) return false;
    const tenant = tenantOf(
      activation.state,
      envelope.kind === "command" ? envelope.command : undefined,
      activation.id,
    );
    return tenant !== undefined && tenant !== principal.tenant;
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

  async #stateAt(activation: Activation, version: number): Promise<unknown> {
    try {
      return await stateAt(
        this.log,
        activation.def,
        activation.type,
        activation.id,
        version,
      );
    } catch (error) {
      if (error instanceof DomainError || error instanceof RangeError) {
        throw error;
      }
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

  /**
   * Reports the message that exhausted the restarts, once. The messages
   * `#park` refuses were never attempted: their callers get 503 and retry.
   */
  #deadLetter(
    activation: Activation,
    envelope: Envelope,
    attempts: number,
    failure: InfrastructureFailure,
  ): void {
    if (!this.#onDeadLetter) return;
    const { options } = envelope;
    try {
      this.#onDeadLetter({
        kind: "command",
        reason: errorReason(failure.cause),
        attempts,
        at: new Date().toISOString(),
        command: {
          type: activation.type,
          id: activation.id,
          command: envelope.command,
          commandId: envelope.commandId,
          expectedVersion: options.expectedVersion ?? null,
          meta: options.meta ?? null,
          appendedFrom: envelope.appendedFrom,
        },
      });
    } catch (error) {
      console.error(`Dead letter of ${activation.key} was not recorded`, error);
    }
  }

  #park(activation: Activation, cause: unknown): void {
    const until = Date.now() + this.#options.parkMs;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const queued = activation.mailbox.splice(0);
    for (const envelope of queued) {
      envelope.reject(
        new UnavailableError(`Actor ${activation.key} is parked: ${reason}`, {
          retryAfter: Math.ceil(this.#options.parkMs / 1000),
          cause,
        }),
      );
    }
    this.#actors.park(activation, until, reason);
  }
}

/** Marks a failure of the log (not of the command) inside the mailbox loop. */
class InfrastructureFailure extends Error {
  override name = "InfrastructureFailure";
  constructor(cause: unknown) {
    super("Event log failure", { cause });
  }
}

/** The command's `type` when it has one (what the span names), else "command". */
function commandName(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === "string" ? type : "command";
}

/** How an ask ended, on its span: committed, rejected, conflict, … */
function setOutcome(span: Span | undefined, error: unknown): void {
  span?.setAttribute(
    "tms.outcome",
    error instanceof DomainError
      ? "rejected"
      : error instanceof NotFoundError
      ? "not_found"
      : error instanceof ConcurrencyError
      ? "conflict"
      : error instanceof UnavailableError
      ? "unavailable"
      : error instanceof Error && error.name === "TimeoutError"
      ? "timeout"
      : error instanceof TypeError || error instanceof RangeError
      ? "invalid"
      : "error",
  );
}

/** Only failures of the runtime mark the span as an error; refusals are outcomes. */
function isInfrastructureError(error: unknown): boolean {
  return !(error instanceof DomainError || error instanceof NotFoundError ||
    error instanceof ConcurrencyError);
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
