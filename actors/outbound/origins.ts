/**
 * The stream origins the outbound mappings need (the bedrift of an invoice
 * is in its draft), remembered from the first commits that go by and read
 * from the log for a stream whose first commit this process never saw.
 * Bounded: the least recently used origins go first.
 */
import type {
  Commit,
  EventLog,
  SignalOptions,
} from "../../runtime/core/mod.ts";
import { integrationMapper, streamOrigin } from "../integration/mod.ts";
import type { StreamOrigin } from "../integration/mod.ts";
import { realtimeNeedsOrigin } from "./realtime_events.ts";

/** Origins by stream, at most `capacity` (default 50,000). */
export class OriginCache {
  readonly #log: EventLog;
  readonly #capacity: number;
  readonly #origins = new Map<string, StreamOrigin | null>();
  #reads = 0;

  constructor(log: EventLog, capacity = 50_000) {
    this.#log = log;
    this.#capacity = capacity;
  }

  /** Streams whose first commit was read from the log (for tests and metrics). */
  get reads(): number {
    return this.#reads;
  }

  /** Remembers the origin of a first commit. */
  observe(commit: Commit): void {
    if (commit.version !== 1) return;
    const origin = streamOrigin(commit);
    if (origin) this.#remember(`${commit.type}/${commit.id}`, origin);
  }

  /**
   * The origin mapping `commit` needs: its own for a first commit, else its
   * stream's (null when nothing needs one).
   */
  async originFor(
    commit: Commit,
    options: SignalOptions = {},
  ): Promise<StreamOrigin | null> {
    if (commit.version === 1) return streamOrigin(commit);
    if (
      !integrationMapper.needsOrigin(commit) && !realtimeNeedsOrigin(commit)
    ) {
      return null;
    }
    const key = `${commit.type}/${commit.id}`;
    if (this.#origins.has(key)) {
      const origin = this.#origins.get(key)!;
      this.#origins.delete(key);
      this.#origins.set(key, origin);
      return origin;
    }
    this.#reads++;
    const [first] = await this.#log.readStream(
      commit.type,
      commit.id,
      0,
      options,
    );
    const origin = first ? streamOrigin(first) : null;
    this.#remember(key, origin);
    return origin;
  }

  #remember(key: string, origin: StreamOrigin | null): void {
    this.#origins.delete(key);
    this.#origins.set(key, origin);
    if (this.#origins.size > this.#capacity) {
      this.#origins.delete(this.#origins.keys().next().value!);
    }
  }
}
