/** JetStream API error codes TMS acts on, named once. */
import { isJetStreamApiError } from "../../deps.ts";

/** Codes of the JetStream API errors TMS tells apart. */
export const JetStreamErrorCodes = {
  /** An expected-last-sequence check failed (stream or KV revision). */
  wrongLastSequence: 10071,
  /** An expected-last-subject-sequence check failed. */
  wrongLastSubjectSequence: 10164,
  messageTooLarge: 10054,
  streamNotFound: 10059,
  streamNameInUse: 10058,
} as const;

/**
 * True when the server refused a write because its expected last sequence
 * (of the stream, of a subject, or a KV key's revision) did not hold: another
 * writer was first.
 */
export function isWrongLastSequence(error: unknown): boolean {
  return isJetStreamApiError(error, JetStreamErrorCodes.wrongLastSequence) ||
    isJetStreamApiError(error, JetStreamErrorCodes.wrongLastSubjectSequence);
}
