import { backoff, delay, DomainError } from "../../../runtime/core/mod.ts";
import type { ActorClient, AskResult } from "../../../runtime/actor/mod.ts";

interface Entry {
  type: string;
  id: string;
  command: unknown;
  commandId: string;
  done: PromiseWithResolvers<AskResult | null>;
}

/**
 * Writes the chaos supervisor's commands to its actors one after the other,
 * in the order given, and keeps trying while they cannot be written — the
 * log being the thing under test: an experiment runs on from memory and an
 * emergency stop acts at once, and both are in the log once it takes writes
 * again. Each command has a fixed command id, so a retry never writes twice.
 */
export class ChaosRecorder {
  readonly #client: ActorClient;
  readonly #queue: Entry[] = [];
  readonly #maxDelayMs: number;
  #draining: Promise<void> | null = null;
  #closed = new AbortController();

  constructor(client: ActorClient, options: { maxDelayMs?: number } = {}) {
    this.#client = client;
    this.#maxDelayMs = options.maxDelayMs ?? 2000;
  }

  /** Commands waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues `command` for `type/id`; resolves with its result once written,
   * or null when a rule refused it (logged) or the recorder closed first.
   */
  record(
    type: string,
    id: string,
    command: unknown,
    commandId: string,
  ): Promise<AskResult | null> {
    const done = Promise.withResolvers<AskResult | null>();
    if (this.#closed.signal.aborted) {
      done.resolve(null);
      return done.promise;
    }
    this.#queue.push({ type, id, command, commandId, done });
    this.#kick();
    return done.promise;
  }

  /** Waits until everything queued is written, or `timeoutMs` passed. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length > 0 && Date.now() < deadline) await delay(20);
    return this.#queue.length === 0;
  }

  /** Gives up on what is still queued (after `flush`). */
  close(): void {
    this.#closed.abort();
    for (const entry of this.#queue.splice(0)) entry.done.resolve(null);
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      // Queued between the loop's last look and here.
      if (this.#queue.length > 0 && !this.#closed.signal.aborted) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed.signal.aborted) {
      const entry = this.#queue[0];
      for (let attempt = 0;; attempt++) {
        try {
          const result = await this.#client.ask(
            entry.type,
            entry.id,
            entry.command,
            { commandId: entry.commandId },
          );
          entry.done.resolve(result);
          break;
        } catch (error) {
          if (error instanceof DomainError || error instanceof TypeError) {
            console.error(
              `Chaos record ${entry.commandId} refused: ${error.message}`,
            );
            entry.done.resolve(null);
            break;
          }
          const wait = backoff(Math.min(attempt, 6), 100, this.#maxDelayMs);
          try {
            await delay(wait, { signal: this.#closed.signal });
          } catch {
            return;
          }
        }
      }
      this.#queue.shift();
    }
  }
}
