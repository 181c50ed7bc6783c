/**
 * The one wire codec of the error taxonomy: an error as plain, structured-
 * cloneable data and back, so a typed error keeps its class and fields across
 * a NATS reply (cluster forwarding) or a worker message (the SQL worker).
 */
import {
  ConcurrencyError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
} from "./errors.ts";

/** An error as plain data. */
export interface WireError {
  name: string;
  message: string;
  /** `DomainError`/`NotFoundError` code, or a driver's code (SQLSTATE). */
  code?: string;
  status?: number;
  retryAfter?: number;
  expectedVersion?: number;
  actualVersion?: number | null;
}

/**
 * An error as plain data.
 *
 * @example
 * ```ts
 * const wire = encodeError(new UnavailableError("down", { retryAfter: 2 }));
 * decodeError(wire) instanceof UnavailableError; // true
 * ```
 */
export function encodeError(error: unknown): WireError {
  if (!(error instanceof Error) && !(error instanceof DOMException)) {
    return { name: "Error", message: String(error) };
  }
  const wire: WireError = { name: error.name, message: error.message };
  if (error instanceof DomainError) {
    wire.code = error.code;
    wire.status = error.status;
  } else if (
    error instanceof NotFoundError || error instanceof UnauthorizedError ||
    error instanceof ForbiddenError
  ) {
    if (error.code !== undefined) wire.code = error.code;
  } else if (error instanceof UnavailableError) {
    wire.status = error.status;
    wire.retryAfter = error.retryAfter;
  } else if (error instanceof ConcurrencyError) {
    wire.expectedVersion = error.expectedVersion;
    wire.actualVersion = error.actualVersion;
  } else {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") wire.code = code;
  }
  return wire;
}

/**
 * The typed error a wire error describes. Names outside the taxonomy become
 * `unknown(wire)` when given, else a plain `Error` with that name and code.
 */
export function decodeError(
  wire: WireError,
  unknown?: (wire: WireError) => Error,
): Error {
  switch (wire.name) {
    case "DomainError":
      return new DomainError(wire.code ?? "unknown", wire.message, {
        status: wire.status === 422 ? 422 : 409,
      });
    case "NotFoundError":
      return new NotFoundError(wire.message, { code: wire.code });
    case "UnauthorizedError":
      return new UnauthorizedError(
        wire.code ?? "auth.unauthorized",
        wire.message,
      );
    case "ForbiddenError":
      return new ForbiddenError(wire.code ?? "auth.forbidden", wire.message);
    case "ConcurrencyError":
      return new ConcurrencyError(
        wire.message,
        wire.expectedVersion ?? 0,
        wire.actualVersion ?? null,
      );
    case "UnavailableError":
      return new UnavailableError(wire.message, {
        retryAfter: wire.retryAfter,
        status: wire.status === 429 ? 429 : 503,
      });
    case "TimeoutError":
    case "AbortError":
      return new DOMException(wire.message, wire.name);
    case "TypeError":
      return new TypeError(wire.message);
    case "RangeError":
      return new RangeError(wire.message);
    default: {
      if (unknown) return unknown(wire);
      const error = new Error(wire.message) as Error & { code?: string };
      error.name = wire.name;
      if (wire.code !== undefined) error.code = wire.code;
      return error;
    }
  }
}
