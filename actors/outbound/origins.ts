/**
 * The stream origins the outbound mappings need (the bedrift of an invoice
 * is in its draft): the relay's `StreamOrigins` over the integration
 * mapping, asked only for a commit that an integration or realtime mapping
 * needs the origin of.
 */
import type {
  Commit,
  EventLog,
  SignalOptions,
} from "../../runtime/core/mod.ts";
import { StreamOrigins } from "../../runtime/relay/mod.ts";
import { integrationMapper, streamOrigin } from "../integration/mod.ts";
import type { StreamOrigin } from "../integration/mod.ts";
import { realtimeNeedsOrigin } from "./realtime_events.ts";

/** Origins by stream, at most `capacity` (default 50,000). */
export class OriginCache {
  readonly #origins: StreamOrigins<StreamOrigin>;

  constructor(log: EventLog, capacity = 50_000) {
    this.#origins = new StreamOrigins(log, integrationMapper, { capacity });
  }

  /** Streams whose first commit was read from the log (for tests and metrics). */
  get reads(): number {
    return this.#origins.lookups;
  }

  /** Remembers the origin of a first commit. */
  observe(commit: Commit): void {
    this.#origins.observe(commit);
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
    return await this.#origins.of(commit, options);
  }
}
