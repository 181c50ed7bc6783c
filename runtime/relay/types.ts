/**
 * The contracts of the relay: what a domain mapping makes of a commit, and
 * where the relay sends it.
 */
import type { Commit, SignalOptions } from "../core/mod.ts";

/**
 * One integration event as a mapping makes it from a domain event: its
 * versioned type, where it goes, and its data (ids, amounts as strings,
 * dates — never personal data in clear).
 */
export interface IntegrationEvent {
  /** `no.tms.<aggregate>.<event>.v<major>` (`ce-type`). */
  type: string;
  /** Subject tokens: `tms.int.<tenant>.<aggregate>.<event>`. */
  aggregate: string;
  event: string;
  /** The tenant (bedrift) the event belongs to. */
  tenant: string;
  /** The aggregate's id (`ce-subject`). */
  subject: string;
  /** ISO 8601 instant of the occurrence (`ce-time`). */
  time: string;
  data: Record<string, unknown>;
}

/**
 * An integration event placed in the feed: `id` is `<position>-<index>`
 * (its commit's feed position and its index among the integration events
 * of that commit), stable across re-publication.
 */
export interface PositionedIntegrationEvent extends IntegrationEvent {
  id: string;
  position: number;
  index: number;
  /** The `traceparent` stored with the commit, if any. */
  traceparent?: string;
}

/**
 * The domain's mapping from commits to integration events, injected into
 * the relay (`runtime/` knows no domain). Many events need what their
 * stream's first commit said (the bedrift of an invoice is in its draft):
 * that is the stream's *origin*, extracted by `origin` from a version-1
 * commit, remembered by `StreamOrigins`, and handed to `map`.
 */
export interface IntegrationMapper<O = unknown> {
  /** What to remember of a stream from its first commit (null: nothing). */
  origin(commit: Commit): O | null;
  /** Whether mapping this commit needs its stream's origin. */
  needsOrigin(commit: Commit): boolean;
  /**
   * The integration events of one commit, in order (pure; `origin` is the
   * stream's, or for a first commit its own).
   */
  map(commit: Commit, origin: O | null): IntegrationEvent[];
}

/** Where the relay delivers: resolves once every message is acknowledged. */
export interface RelaySink {
  publish(
    events: readonly PositionedIntegrationEvent[],
    options?: SignalOptions,
  ): Promise<void>;
  close(): Promise<void>;
}
