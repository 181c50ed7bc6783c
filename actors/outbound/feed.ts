/**
 * What leaves the node for a commit: its integration events (indexes
 * 0…n-1, exactly as the relay numbers them) followed by its realtime-only
 * messages, each with its audience and its structured CloudEvent — the
 * `FeedMapper` of the realtime hub and the source of webhook deliveries.
 */
import type {
  Commit,
  EventLog,
  SignalOptions,
} from "../../runtime/core/mod.ts";
import type { PositionedIntegrationEvent } from "../../runtime/relay/mod.ts";
import type { FeedMapper, FeedMessage } from "../../runtime/realtime/mod.ts";
import {
  MissingOriginError,
  streamOrigin,
  toIntegrationEvents,
} from "../integration/mod.ts";
import type { StreamOrigin } from "../integration/mod.ts";
import { audienceOf } from "./audience.ts";
import type { Audience } from "./audience.ts";
import { cloudEvent } from "./cloud_event.ts";
import { OriginCache } from "./origins.ts";
import { toRealtimeEvents } from "./realtime_events.ts";

/** A positioned event, and whether it is realtime-only. */
export interface OutboundEvent extends PositionedIntegrationEvent {
  realtimeOnly: boolean;
}

/**
 * The outbound events of one commit, in order (pure): the integration
 * events, then the realtime-only messages. `origin` as for
 * `toIntegrationEvents`.
 */
export function outboundEvents(
  commit: Commit,
  origin: StreamOrigin | null,
): OutboundEvent[] {
  const own = commit.version === 1 ? streamOrigin(commit) : null;
  const integration = toIntegrationEvents(commit, origin);
  const realtime = toRealtimeEvents(commit, own ?? origin);
  return [...integration, ...realtime].map((event, index) => ({
    ...event,
    id: `${commit.position}-${index}`,
    position: commit.position,
    index,
    traceparent: commit.meta?.traceparent,
    realtimeOnly: index >= integration.length,
  }));
}

/** An outbound message as the hub and the webhook outbox take it. */
export type OutboundMessage = FeedMessage<Audience> & {
  /** False for the realtime-only messages (never sent to webhooks). */
  integration: boolean;
};

/** Options of `OutboundMapper`. */
export interface OutboundMapperOptions {
  log: EventLog;
  /** `source` of the CloudEvents (default `/tms`). */
  source?: string;
  /** Shared origins (default: a cache of its own). */
  origins?: OriginCache;
}

/**
 * Maps commits to outbound messages, looking up stream origins as needed.
 * A commit whose stream's first commit cannot be found maps to nothing
 * (logged), so one odd stream never stops the others.
 */
export class OutboundMapper implements FeedMapper<Audience> {
  readonly origins: OriginCache;
  readonly #source: string;

  constructor(options: OutboundMapperOptions) {
    this.origins = options.origins ?? new OriginCache(options.log);
    this.#source = options.source ?? "/tms";
  }

  async map(
    commits: readonly Commit[],
    options: SignalOptions = {},
  ): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    for (const commit of commits) {
      this.origins.observe(commit);
      let events: OutboundEvent[];
      try {
        events = outboundEvents(
          commit,
          await this.origins.originFor(commit, options),
        );
      } catch (error) {
        if (!(error instanceof MissingOriginError)) throw error;
        console.warn(`Outbound: ${error.message}; nothing sent for it`);
        continue;
      }
      for (const event of events) {
        const { realtimeOnly: _, ...positioned } = event;
        out.push({
          id: event.id,
          position: event.position,
          index: event.index,
          type: event.type,
          body: JSON.stringify(
            cloudEvent(positioned, this.#source, commit.timestamp),
          ),
          audience: audienceOf(event),
          committedAt: commit.timestamp,
          integration: !event.realtimeOnly,
        });
      }
    }
    return out;
  }

  observe(commits: readonly Commit[]): void {
    for (const commit of commits) this.origins.observe(commit);
  }
}
