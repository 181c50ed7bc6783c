/** Timing of the edge's asks, for the sampler's p99. */
import type {
  ActorClient,
  AskOptions,
  AskResult,
  ReadOptions,
  ReadResult,
} from "../../../runtime/actor/mod.ts";
import type { DomainEvent } from "../../../runtime/core/mod.ts";

/**
 * `client` with every ask timed into `record` (ms, failures included: a
 * 503 after a long wait is latency too). Reads are passed through.
 *
 * @example
 * ```ts
 * const client = new MeasuredClient(router, (ms) => autoscale.measure(ms));
 * ```
 */
export class MeasuredClient implements ActorClient {
  readonly #client: ActorClient;
  readonly #record: (ms: number) => void;

  constructor(client: ActorClient, record: (ms: number) => void) {
    this.#client = client;
    this.#record = record;
  }

  ask<E extends DomainEvent = DomainEvent, S = unknown>(
    type: string,
    id: string,
    command: unknown,
    options?: AskOptions,
  ): Promise<AskResult<E, S>> {
    const started = performance.now();
    const done = () => this.#record(performance.now() - started);
    const asked = this.#client.ask<E, S>(type, id, command, options);
    asked.then(done, done);
    return asked;
  }

  read<S = unknown>(
    type: string,
    id: string,
    options?: ReadOptions,
  ): Promise<ReadResult<S>> {
    return this.#client.read<S>(type, id, options);
  }
}
