/**
 * The small error taxonomy of TMS. The HTTP edge maps each class to one RFC 9457
 * problem type; anything else that escapes is a bug (500).
 */
import type { Commit } from "./types.ts";

/** A business rule was broken (HTTP 409, or 422 when `status` says so). */
export class DomainError extends Error {
  override name = "DomainError";
  /** Short machine-readable code, e.g. `bedrift.not_active`. */
  readonly code: string;
  /** 409 (conflict with current state) or 422 (the request can never succeed). */
  readonly status: 409 | 422;
  constructor(
    code: string,
    message: string,
    options?: { status?: 409 | 422; cause?: unknown },
  ) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.status = options?.status ?? 409;
  }
}

/**
 * The thing asked for does not exist (HTTP 404). Another tenant's object is
 * one too: its existence is not disclosed.
 */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  /** Short machine-readable code, e.g. `employee.not_found`, when known. */
  readonly code?: string;
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.code = options?.code;
  }
}

/**
 * The request carries no valid credentials (HTTP 401): no token, a bad or
 * expired one, or a failed login. Says nothing of whether an account exists.
 */
export class UnauthorizedError extends Error {
  override name = "UnauthorizedError";
  /** Short machine-readable code, e.g. `auth.token_expired`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The principal is known but may not do this (HTTP 403). Another tenant's
 * object is a `NotFoundError` instead, so its existence is not disclosed.
 */
export class ForbiddenError extends Error {
  override name = "ForbiddenError";
  /** Short machine-readable code, e.g. `auth.role_not_allowed`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A version expectation did not hold: the stream moved on (HTTP 412 when the
 * client stated the version, 409 otherwise). Retryable after re-reading.
 */
export class ConcurrencyError extends Error {
  override name = "ConcurrencyError";
  readonly expectedVersion: number;
  readonly actualVersion: number | null;
  constructor(
    message: string,
    expectedVersion: number,
    actualVersion: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/**
 * A dependency (event log, read model, mailbox capacity) cannot serve now;
 * retry after `retryAfter` seconds (HTTP 503, or 429 when `status` says so).
 */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  readonly retryAfter: number;
  readonly status: 429 | 503;
  constructor(
    message: string,
    options?: { retryAfter?: number; status?: 429 | 503; cause?: unknown },
  ) {
    super(message, { cause: options?.cause });
    this.retryAfter = options?.retryAfter ?? 1;
    this.status = options?.status ?? 503;
  }
}

/** True for errors a caller may retry unchanged after a pause. */
export function isRetryable(error: unknown): boolean {
  return error instanceof UnavailableError ||
    error instanceof ConcurrencyError;
}

/**
 * An event's schema version this process cannot read: newer than its code
 * knows (a newer node wrote it), or one no upcaster leads from. Waiting does
 * not help; the code that knows the version does. A consumer halts on it and
 * never reads the event as another version.
 */
export class EventVersionError extends Error {
  override name = "EventVersionError";
  readonly eventType: string;
  /** The version the event carries. */
  readonly version: number;
  /** The current version this process knows of the type. */
  readonly known: number;
  /** The commit that holds the event, when the error comes from a log read. */
  readonly commit?: Commit;
  constructor(
    eventType: string,
    version: number,
    known: number,
    options?: { commit?: Commit; cause?: unknown },
  ) {
    const where = options?.commit
      ? ` (${options.commit.type}/${options.commit.id} v${options.commit.version} at position ${options.commit.position})`
      : "";
    super(
      known === 0
        ? `${eventType} is not an event type this code knows${where}`
        : version > known
        ? `${eventType} v${version} is newer than this code knows (v${known})${where}`
        : `${eventType} v${version} cannot be read: current is v${known}${where}`,
      { cause: options?.cause },
    );
    this.eventType = eventType;
    this.version = version;
    this.known = known;
    this.commit = options?.commit;
  }
}
