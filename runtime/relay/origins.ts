/**
 * The origins of streams (what their first commit told) that mapping later
 * commits needs: remembered from first commits as the feed passes them, and
 * for streams begun before a relay started, read from the log (the stream's
 * first commit). Bounded (`BoundedCache`): the least recently used are
 * forgotten, and read again when needed.
 */
import { BoundedCache } from "../core/mod.ts";
import type { Commit, EventLog, SignalOptions } from "../core/mod.ts";
import type { IntegrationMapper } from "./types.ts";

/** Origins of streams, by `type`/`id`, for one mapper. */
export class StreamOrigins<O> {
  readonly #log: EventLog;
  readonly #mapper: IntegrationMapper<O>;
  readonly #known: BoundedCache<string, O | null>;
  /** First commits read from the log (origins not seen in the feed). */
  lookups = 0;

  constructor(
    log: EventLog,
    mapper: IntegrationMapper<O>,
    options: { capacity?: number } = {},
  ) {
    this.#log = log;
    this.#mapper = mapper;
    this.#known = new BoundedCache(options.capacity ?? 100_000);
  }

  /** Remembers the origin of a stream's first commit, and answers it (null for a later commit). */
  observe(commit: Commit): O | null {
    if (commit.version !== 1) return null;
    const origin = this.#mapper.origin(commit);
    this.#known.set(key(commit), origin);
    return origin;
  }

  /** The origin of `commit`'s stream (its own for a first commit). */
  async of(commit: Commit, options: SignalOptions = {}): Promise<O | null> {
    if (commit.version === 1) return this.#mapper.origin(commit);
    const k = key(commit);
    const known = this.#known.get(k);
    if (known !== undefined) return known;
    this.lookups++;
    const commits = await this.#log.readStream(
      commit.type,
      commit.id,
      0,
      options,
    );
    const first = commits[0];
    const origin = first && first.version === 1
      ? this.#mapper.origin(first)
      : null;
    this.#known.set(k, origin);
    return origin;
  }
}

function key(commit: Commit): string {
  return `${commit.type}\u0000${commit.id}`;
}
