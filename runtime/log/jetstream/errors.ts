/**
 * How JetStream's answers map to the error taxonomy: a wrong last sequence is
 * a `ConcurrencyError`, a message over the server's limit a `RangeError`, an
 * unreadable stream an `IntegrityError`, anything else of the server or the
 * connection an `UnavailableError`.
 */
import { isJetStreamApiError } from "../../../deps.ts";
import { ConcurrencyError, UnavailableError } from "../../core/mod.ts";
import { IntegrityError } from "./reader.ts";
import { JetStreamErrorCodes } from "../../nats/mod.ts";

/** The error a failed JetStream call stands for, in the taxonomy. */
export function translateError(error: unknown, retryAfter: number): unknown {
  if (
    error instanceof ConcurrencyError ||
    error instanceof UnavailableError ||
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof SyntaxError
  ) {
    return error;
  }
  if (
    isJetStreamApiError(error, JetStreamErrorCodes.messageTooLarge)
  ) {
    return new RangeError(error.message, { cause: error });
  }
  if (error instanceof IntegrityError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`JetStream event log unavailable: ${reason}`, {
    retryAfter,
    cause: error,
  });
}

/** The conflict of an append that expected `expected`. */
export function conflict(
  subject: string,
  expected: number,
  actual: number | null,
  options?: { cause?: unknown },
): ConcurrencyError {
  const at = actual === null ? "ahead" : `at version ${actual}`;
  return new ConcurrencyError(
    `Stream ${subject} is ${at}, not at version ${expected}`,
    expected,
    actual,
    options,
  );
}
