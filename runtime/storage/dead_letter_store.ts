/**
 * The dead-letter store's behaviour, written once over a backend's four
 * primitives (read with a revision, compare-and-set write, scan, delete). The
 * memory, Deno KV and JetStream KV backends are in their own files.
 */
import {
  deadLetterId,
  DeadLetterKinds,
  DeadLetterStatuses,
  errorReason,
  FINAL_DEAD_LETTER_STATUSES,
} from "../core/mod.ts";
import type {
  DeadLetter,
  DeadLetterHistoryEntry,
  DeadLetterInput,
  DeadLetterOutcome,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterStore,
} from "../core/mod.ts";
import { DomainError, NotFoundError, UnavailableError } from "../core/mod.ts";
import type { SignalOptions } from "../core/mod.ts";

/** A letter with the backend's revision of it (versionstamp, sequence, counter). */
export interface VersionedLetter {
  letter: DeadLetter;
  revision: string;
}

/**
 * Largest record in bytes of JSON: Deno KV refuses values over 64 KiB. A
 * record over it loses its oldest history, then its command payload
 * (`truncated`: such a letter cannot be retried; the client must).
 */
export const MAX_DEAD_LETTER_BYTES = 60 * 1024;
const MAX_HISTORY = 20;
const MAX_REASON = 2000;
const MAX_CAS_ROUNDS = 20;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const DEFAULT_STALE_CLAIM_MS = 120_000;

/**
 * The state machine of `DeadLetterStore` over a backend's primitives. Every
 * change is a compare-and-set on the letter's revision, retried on conflict,
 * so concurrent writers (a node recording, another claiming, the operator
 * requesting) never lose an update.
 */
export abstract class DeadLetterStoreBase implements DeadLetterStore {
  /** The letter and its revision, or null. */
  protected abstract read(
    id: string,
    options?: SignalOptions,
  ): Promise<VersionedLetter | null>;
  /** Writes when the stored revision is still `revision` (null: absent); false on conflict. */
  protected abstract write(
    letter: DeadLetter,
    revision: string | null,
    options?: SignalOptions,
  ): Promise<boolean>;
  /** Every letter, in any order. */
  protected abstract scan(options?: SignalOptions): Promise<VersionedLetter[]>;
  /** Deletes when the stored revision is still `revision`; false on conflict. */
  protected abstract remove(
    id: string,
    revision: string,
    options?: SignalOptions,
  ): Promise<boolean>;
  abstract changeMark(options?: SignalOptions): Promise<string>;
  abstract close(): Promise<void>;

  async record(
    input: DeadLetterInput,
    options?: SignalOptions,
  ): Promise<DeadLetter> {
    const id = await deadLetterId(input);
    const now = new Date().toISOString();
    const at = input.at ?? now;
    const node = input.node ?? "unknown";
    const reason = clip(input.reason);
    const entry = { at, action: "recorded" as const, node, detail: reason };
    const command = input.kind === DeadLetterKinds.command
      ? input.command
      : null;
    const projection = input.kind === DeadLetterKinds.projection
      ? input.projection
      : null;
    const { letter } = await this.#mutate(id, (current) => {
      if (!current) {
        return {
          id,
          kind: input.kind,
          status: DeadLetterStatuses.open,
          recordedAt: at,
          updatedAt: now,
          failedAt: at,
          node,
          reason,
          attempts: input.attempts,
          failures: 1,
          retries: 0,
          command,
          projection,
          claim: null,
          resolution: null,
          history: [entry],
        };
      }
      // A requested or running retry decides the status; else it is open again.
      const busy = current.status === DeadLetterStatuses.retryRequested ||
        current.status === DeadLetterStatuses.retrying;
      return {
        ...current,
        status: busy ? current.status : DeadLetterStatuses.open,
        resolution: busy ? current.resolution : null,
        updatedAt: now,
        failedAt: at,
        node,
        reason,
        attempts: input.attempts,
        failures: current.failures + 1,
        command: command && current.command
          ? {
            ...command,
            appendedFrom: minKnown(
              current.command.appendedFrom,
              command.appendedFrom,
            ),
          }
          : current.command,
        projection: projection ?? current.projection,
        history: appendHistory(current.history, entry),
      };
    }, options);
    return letter!;
  }

  async get(id: string, options?: SignalOptions): Promise<DeadLetter | null> {
    return (await this.read(id, options))?.letter ?? null;
  }

  async list(
    query: DeadLetterQuery = {},
    options?: SignalOptions,
  ): Promise<DeadLetterPage> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    const after = query.cursor === undefined
      ? null
      : decodeListCursor(query.cursor);
    const all = (await this.scan(options)).map((v) => v.letter)
      .filter((l) =>
        (query.kind === undefined || l.kind === query.kind) &&
        (query.status === undefined || l.status === query.status)
      )
      .sort(newestFirst);
    const start = after === null
      ? 0
      : all.findIndex((l) => newestFirst(l, after) > 0);
    const items = start < 0 ? [] : all.slice(start, start + limit);
    const more = start >= 0 && start + limit < all.length;
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: more && last
        ? encodeListCursor({ recordedAt: last.recordedAt, id: last.id })
        : null,
    };
  }

  async all(options?: SignalOptions): Promise<DeadLetter[]> {
    return (await this.scan(options)).map((v) => v.letter);
  }

  async requestRetry(
    id: string,
    options: SignalOptions & { by?: string } = {},
  ): Promise<DeadLetter> {
    const now = new Date().toISOString();
    const { letter } = await this.#mutate(id, (current) => {
      if (!current) throw notFound(id);
      if (FINAL_DEAD_LETTER_STATUSES.has(current.status)) {
        throw new DomainError(
          "dead_letter.closed",
          `Dead letter ${id} is ${current.status}: ${current.resolution}`,
        );
      }
      if (current.command?.truncated) {
        throw new DomainError(
          "dead_letter.not_retryable",
          `Dead letter ${id}: the command was too large to keep; the client must send it again`,
          { status: 422 },
        );
      }
      if (current.status !== DeadLetterStatuses.open) return null;
      return {
        ...current,
        status: DeadLetterStatuses.retryRequested,
        updatedAt: now,
        history: appendHistory(current.history, {
          at: now,
          action: "retry_requested",
          ...(options.by ? { node: options.by } : {}),
        }),
      };
    }, options);
    return letter!;
  }

  async claimRetry(
    id: string,
    node: string,
    options: SignalOptions & { staleAfterMs?: number } = {},
  ): Promise<DeadLetter | null> {
    const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_CLAIM_MS;
    const now = new Date();
    const { letter, written } = await this.#mutate(id, (current) => {
      if (!current) return null;
      const stale = current.status === DeadLetterStatuses.retrying &&
        (current.claim === null ||
          now.getTime() - Date.parse(current.claim.at) > staleAfterMs);
      if (current.status !== DeadLetterStatuses.retryRequested && !stale) {
        return null;
      }
      return {
        ...current,
        status: DeadLetterStatuses.retrying,
        updatedAt: now.toISOString(),
        retries: current.retries + 1,
        claim: { node, at: now.toISOString() },
        history: appendHistory(current.history, {
          at: now.toISOString(),
          action: "retry_started",
          node,
          ...(stale
            ? { detail: `claim of ${current.claim?.node} was stale` }
            : {}),
        }),
      };
    }, options);
    return written ? letter : null;
  }

  async finishRetry(
    id: string,
    node: string,
    outcome: DeadLetterOutcome | Error,
    options?: SignalOptions,
  ): Promise<DeadLetter> {
    const now = new Date().toISOString();
    const { letter } = await this.#mutate(id, (current) => {
      if (!current) throw notFound(id);
      // Another node's retry closed it meanwhile: its outcome stands.
      if (FINAL_DEAD_LETTER_STATUSES.has(current.status)) return null;
      if (outcome instanceof Error) {
        const reason = clip(errorReason(outcome));
        return {
          ...current,
          status: DeadLetterStatuses.open,
          updatedAt: now,
          failedAt: now,
          node,
          reason,
          claim: null,
          history: appendHistory(current.history, {
            at: now,
            action: "retry_failed",
            node,
            detail: reason,
          }),
        };
      }
      return closed(current, node, outcome.status, clip(outcome.detail), now);
    }, options);
    return letter!;
  }

  async resolve(
    id: string,
    node: string,
    detail: string,
    options?: SignalOptions,
  ): Promise<DeadLetter> {
    const now = new Date().toISOString();
    const { letter } = await this.#mutate(id, (current) => {
      if (!current) throw notFound(id);
      if (FINAL_DEAD_LETTER_STATUSES.has(current.status)) return null;
      return closed(
        current,
        node,
        DeadLetterStatuses.resolved,
        clip(detail),
        now,
      );
    }, options);
    return letter!;
  }

  async purge(before: Date, options?: SignalOptions): Promise<number> {
    let purged = 0;
    for (const { letter, revision } of await this.scan(options)) {
      if (
        FINAL_DEAD_LETTER_STATUSES.has(letter.status) &&
        Date.parse(letter.updatedAt) < before.getTime() &&
        await this.remove(letter.id, revision, options)
      ) {
        purged++;
      }
    }
    return purged;
  }

  /**
   * Reads, applies `change` (null: leave it) and writes back under the
   * revision read, until no other writer came in between.
   */
  async #mutate(
    id: string,
    change: (current: DeadLetter | null) => DeadLetter | null,
    options?: SignalOptions,
  ): Promise<{ letter: DeadLetter | null; written: boolean }> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      options?.signal?.throwIfAborted();
      const current = await this.read(id, options);
      const next = change(current?.letter ?? null);
      if (next === null) {
        return { letter: current?.letter ?? null, written: false };
      }
      const fitted = fit(next);
      if (await this.write(fitted, current?.revision ?? null, options)) {
        return { letter: fitted, written: true };
      }
    }
    throw new UnavailableError(
      `Dead letter ${id} kept changing; try again`,
      { retryAfter: 1 },
    );
  }
}

/** The bytes of a letter as JSON: what every backend stores. */
export function encodeLetter(letter: DeadLetter): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(letter));
}

/** A letter from `encodeLetter`'s bytes. */
export function decodeLetter(bytes: Uint8Array): DeadLetter {
  return JSON.parse(new TextDecoder().decode(bytes));
}

function closed(
  current: DeadLetter,
  node: string,
  status: DeadLetterOutcome["status"],
  detail: string,
  now: string,
): DeadLetter {
  return {
    ...current,
    status,
    updatedAt: now,
    claim: null,
    resolution: detail,
    history: appendHistory(current.history, {
      at: now,
      action: status,
      node,
      detail,
    }),
  };
}

/** Keeps a record under `MAX_DEAD_LETTER_BYTES`: old history first, then the payload. */
function fit(letter: DeadLetter): DeadLetter {
  let fitted = letter;
  const size = () => encodeLetter(fitted).length;
  while (size() > MAX_DEAD_LETTER_BYTES && fitted.history.length > 2) {
    fitted = { ...fitted, history: fitted.history.slice(1) };
  }
  if (size() > MAX_DEAD_LETTER_BYTES && fitted.command) {
    fitted = {
      ...fitted,
      command: { ...fitted.command, command: null, truncated: true },
    };
  }
  if (size() > MAX_DEAD_LETTER_BYTES && fitted.command?.meta) {
    fitted = { ...fitted, command: { ...fitted.command, meta: null } };
  }
  if (size() > MAX_DEAD_LETTER_BYTES) {
    fitted = {
      ...fitted,
      history: fitted.history.slice(-1).map((h) => ({ ...h, detail: "" })),
      projection: fitted.projection
        ? { ...fitted.projection, eventTypes: [] }
        : null,
    };
  }
  return fitted;
}

function appendHistory(
  history: readonly DeadLetterHistoryEntry[],
  entry: DeadLetterHistoryEntry,
): DeadLetterHistoryEntry[] {
  return [...history, entry].slice(-MAX_HISTORY);
}

function clip(text: string): string {
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON)}…`;
}

function minKnown(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No dead letter ${id}`, {
    code: "dead_letter.not_found",
  });
}

/** Newest first: `recordedAt` descending, then id descending. */
function newestFirst(
  a: { recordedAt: string; id: string },
  b: { recordedAt: string; id: string },
): number {
  if (a.recordedAt !== b.recordedAt) {
    return a.recordedAt > b.recordedAt ? -1 : 1;
  }
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

function encodeListCursor(key: { recordedAt: string; id: string }): string {
  return btoa(JSON.stringify([key.recordedAt, key.id]))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeListCursor(cursor: string): { recordedAt: string; id: string } {
  try {
    const [recordedAt, id] = JSON.parse(
      atob(cursor.replace(/-/g, "+").replace(/_/g, "/")),
    );
    if (typeof recordedAt === "string" && typeof id === "string") {
      return { recordedAt, id };
    }
  } catch {
    // fall through
  }
  throw new RangeError("Malformed dead-letter cursor");
}
