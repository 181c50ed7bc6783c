/**
 * The contracts of realtime fan-out: a message made from a commit of the
 * feed, the mapping the domain injects, and the bounds of a subscriber.
 */
import type { Commit, SignalOptions } from "../core/mod.ts";

/**
 * One message of the feed as clients get it: `id` is `<position>-<index>`
 * (its commit's feed position, its index among that commit's messages), so
 * a client resumes exactly after the last one it saw.
 */
export interface FeedMessage<A = unknown> {
  id: string;
  position: number;
  index: number;
  /** The message's type (for metrics and filters). */
  type: string;
  /** The wire form (JSON), serialised once for every client. */
  body: string;
  /** Who may get it; the subscriber's `accepts` reads it. */
  audience: A;
  /** Epoch ms when the log accepted the commit. */
  committedAt: number;
}

/**
 * The domain's mapping from commits to messages, in feed order; it may read
 * the log (a stream's first commit).
 */
export interface FeedMapper<A = unknown> {
  map(
    commits: readonly Commit[],
    options?: SignalOptions,
  ): Promise<FeedMessage<A>[]>;
}

/** Where a subscriber resumes: after message `index` of commit `position`. */
export interface FeedCursor {
  position: number;
  /** `Infinity`: after every message of that commit. */
  index: number;
}

/** Why a subscription ended. */
export interface SubscriptionEnd {
  /**
   * `backlog`: too slow; `expired`: its credentials ran out; `closed`: by
   * its owner; `stopped`: the hub stopped.
   */
  reason: "backlog" | "expired" | "closed" | "stopped";
  message: string;
}

/** How far a subscriber may fall behind before it is cut off. */
export interface BacklogLimits {
  /** Most messages waiting to be sent (default 1,000). */
  maxMessages?: number;
  /** Most bytes of messages waiting to be sent (default 4 MiB). */
  maxBytes?: number;
}

/** Parses `<position>-<index>` or `<position>` (every message of it seen). */
export function parseFeedCursor(text: string): FeedCursor | null {
  const match = /^(\d{1,15})(?:-(\d{1,6}))?$/.exec(text.trim());
  if (!match) return null;
  return {
    position: Number(match[1]),
    index: match[2] === undefined ? Infinity : Number(match[2]),
  };
}

/** True when message (`position`, `index`) comes after `cursor`. */
export function isAfter(
  cursor: FeedCursor | null,
  position: number,
  index: number,
): boolean {
  if (cursor === null) return true;
  return position > cursor.position ||
    (position === cursor.position && index > cursor.index);
}
