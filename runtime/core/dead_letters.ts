/**
 * The dead-letter contract: what failed permanently, and the operator's way
 * back. A dead letter is either a command whose actor was parked after the
 * supervision retries ran out, or a poison commit that halts a projection.
 * Stores live in `storage/`; this file has no I/O.
 */
import type { CommitMeta, SignalOptions } from "./types.ts";

/** What failed. */
export const DeadLetterKinds = {
  /** A command that failed for infrastructure reasons until its actor parked. */
  command: "command",
  /** A commit a projection cannot apply; the projection halts there. */
  projection: "projection",
} as const;
export type DeadLetterKind =
  typeof DeadLetterKinds[keyof typeof DeadLetterKinds];

/**
 * Lifecycle of a dead letter:
 * `open` → (operator) `retry_requested` → (a node claims it) `retrying` →
 * `resolved` | `rejected` | back to `open` with the new reason.
 */
export const DeadLetterStatuses = {
  open: "open",
  retryRequested: "retry_requested",
  retrying: "retrying",
  /** Got through: committed (or had been), or the projection passed it. */
  resolved: "resolved",
  /** Ran and was refused by a rule (`DomainError`, stale `If-Match`): retrying cannot help. */
  rejected: "rejected",
} as const;
export type DeadLetterStatus =
  typeof DeadLetterStatuses[keyof typeof DeadLetterStatuses];

/** Statuses no retry or record changes any more, except a new failure. */
export const FINAL_DEAD_LETTER_STATUSES: ReadonlySet<DeadLetterStatus> =
  new Set([DeadLetterStatuses.resolved, DeadLetterStatuses.rejected]);

/** The message of a command dead letter: everything needed to ask again. */
export interface CommandLetter {
  type: string;
  id: string;
  /**
   * The command as the actor got it (JSON, like a forwarded ask); null when
   * it was too large to keep (`truncated`), and then it cannot be retried.
   */
  command: unknown;
  commandId: string;
  expectedVersion: number | null;
  meta: CommitMeta | null;
  /**
   * The stream version the first append of this message expected, or null
   * when no append was attempted (every failure was a load). A retry looks
   * for the command id in the stream after it, so an append that landed
   * although it reported a failure is never written twice, however many
   * commands the actor has handled since.
   */
  appendedFrom: number | null;
  truncated?: boolean;
}

/** Where a projection halted. */
export interface ProjectionLetter {
  name: string;
  /** Feed position of the commit it cannot apply. */
  position: number;
  streamType: string | null;
  streamId: string | null;
  version: number | null;
  eventTypes: string[];
}

/** What a producer (actor system, projection engine) reports. */
export type DeadLetterInput =
  & {
    /** One line: the last failure's message and causes. */
    reason: string;
    /** Attempts made before giving up. */
    attempts: number;
    /** ISO time of the failure (default now). */
    at?: string;
    /** The node that saw it (the office fills it in). */
    node?: string;
  }
  & (
    | { kind: "command"; command: CommandLetter }
    | { kind: "projection"; projection: ProjectionLetter }
  );

/** One step in a dead letter's life, kept for the operator (newest last, bounded). */
export interface DeadLetterHistoryEntry {
  at: string;
  action:
    | "recorded"
    | "retry_requested"
    | "retry_started"
    | "retry_failed"
    | "resolved"
    | "rejected";
  node?: string;
  detail?: string;
}

/** A stored dead letter. */
export interface DeadLetter {
  /** `cmd-<hex>` or `prj-<hex>`: derived from the message, so one message is one record. */
  id: string;
  kind: DeadLetterKind;
  status: DeadLetterStatus;
  /** ISO time it was first recorded (the list's order, newest first). */
  recordedAt: string;
  updatedAt: string;
  /** ISO time of the latest failure. */
  failedAt: string;
  /** Node that recorded the latest failure. */
  node: string;
  /** The latest failure's reason (a retry that failed again replaces it). */
  reason: string;
  /** Attempts in the latest failure. */
  attempts: number;
  /** Times this message failed permanently (the first recording counts 1). */
  failures: number;
  /** Retries performed (claimed by a node). */
  retries: number;
  command: CommandLetter | null;
  projection: ProjectionLetter | null;
  /** The node performing a retry now, and since when. */
  claim: { node: string; at: string } | null;
  /** How it was closed (for `resolved` and `rejected`). */
  resolution: string | null;
  history: DeadLetterHistoryEntry[];
}

/** Filters and paging of `list`. */
export interface DeadLetterQuery {
  kind?: DeadLetterKind;
  status?: DeadLetterStatus;
  /** Page size, 1–500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of `list`, newest first. */
export interface DeadLetterPage {
  items: DeadLetter[];
  /** Cursor of the next page; null on the last. */
  nextCursor: string | null;
}

/** How a retry ended, as the performer reports it. */
export interface DeadLetterOutcome {
  status: "resolved" | "rejected";
  detail: string;
}

/**
 * Where dead letters are kept: one record per failed message (the id is
 * derived from it, so recording the same message again updates the record),
 * listed newest first, moved through its statuses by compare-and-set so that
 * one node at a time performs a retry.
 *
 * Backends fail with `UnavailableError` when they cannot be reached; an
 * unknown id is `null` from `get` and `NotFoundError` elsewhere.
 *
 * @example
 * ```ts
 * const letter = await store.record({ kind: "projection", reason, attempts: 1, projection });
 * await store.requestRetry(letter.id, { by: "ops" });
 * const claimed = await store.claimRetry(letter.id, "node-1");
 * if (claimed) await store.finishRetry(letter.id, "node-1", { status: "resolved", detail: "passed" });
 * ```
 */
export interface DeadLetterStore {
  /**
   * Records a failure. A new message is `open`; a known one counts another
   * failure with the new reason and is `open` again, unless a retry is
   * requested or running (its outcome decides then).
   */
  record(input: DeadLetterInput, options?: SignalOptions): Promise<DeadLetter>;
  get(id: string, options?: SignalOptions): Promise<DeadLetter | null>;
  /** Newest first (by `recordedAt`, then id), keyset-paged. */
  list(
    query?: DeadLetterQuery,
    options?: SignalOptions,
  ): Promise<DeadLetterPage>;
  /**
   * Every letter, in no particular order: for the node's loop (counts,
   * requested retries). Dead letters are exceptions and closed ones are
   * purged after a retention time, so this stays small.
   */
  all(options?: SignalOptions): Promise<DeadLetter[]>;
  /**
   * Asks for a retry: `open` becomes `retry_requested`; a request already
   * made or a retry running is left as it is; a closed one is a
   * `DomainError` (`dead_letter.closed`, 409).
   */
  requestRetry(
    id: string,
    options?: SignalOptions & { by?: string },
  ): Promise<DeadLetter>;
  /**
   * Takes a requested retry for `node` (`retrying`, retries + 1), or one whose
   * claim is older than `staleAfterMs` (its node went away). Null when there
   * is nothing to claim or another node was first.
   */
  claimRetry(
    id: string,
    node: string,
    options?: SignalOptions & { staleAfterMs?: number },
  ): Promise<DeadLetter | null>;
  /** Ends a retry: an outcome closes it; an `Error` (failed again) reopens it with that reason. */
  finishRetry(
    id: string,
    node: string,
    outcome: DeadLetterOutcome | Error,
    options?: SignalOptions,
  ): Promise<DeadLetter>;
  /** Closes a letter that no longer needs a retry (the projection got past it another way). */
  resolve(
    id: string,
    node: string,
    detail: string,
    options?: SignalOptions,
  ): Promise<DeadLetter>;
  /** Deletes closed letters last changed before `before`; returns how many. */
  purge(before: Date, options?: SignalOptions): Promise<number>;
  /** A token that changes whenever any letter changes (cheap; for polling). */
  changeMark(options?: SignalOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * Performs retries of one kind on this node. `canRetry` is false where the
 * node cannot do it now (a standby for projections); the letter then waits for
 * a node that can.
 */
export interface DeadLetterRetrier {
  canRetry(letter: DeadLetter): boolean;
  /** Resolves with the outcome; throws when it failed again (the letter reopens). */
  retry(letter: DeadLetter, options: SignalOptions): Promise<DeadLetterOutcome>;
  /** A resolution when the letter no longer needs a retry, else null. */
  reconcile?(letter: DeadLetter): string | null;
}

/**
 * The id of the dead letter of `input`'s message: `cmd-` + 16 hex digits of
 * SHA-256 over actor type, id and command id, or `prj-` + over projection and
 * position. The same message always gets the same id.
 */
export async function deadLetterId(input: DeadLetterInput): Promise<string> {
  const [prefix, parts] = input.kind === DeadLetterKinds.command
    ? ["cmd", [
      input.command.type,
      input.command.id,
      input.command.commandId,
    ]]
    : ["prj", [input.projection.name, String(input.projection.position)]];
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode([input.kind, ...parts].join("\u0000")),
  );
  const hex = [...new Uint8Array(digest).slice(0, 8)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}-${hex}`;
}

/** True for a well-formed dead-letter id. */
export function isDeadLetterId(id: string): boolean {
  return /^(cmd|prj)-[0-9a-f]{16}$/.test(id);
}

/** One line: an error's message and those of its causes (at most three). */
export function errorReason(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && parts.length < 3) {
    const message = current instanceof Error
      ? current.message
      : String(current);
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ").replace(/\s+/g, " ").trim();
}
