/** Value types, commands, state and error codes of the `session` aggregate. */

/** Actor type of a session: one refresh-token family. */
export const SESSION = "session";

export const SessionStatus = { ACTIVE: "ACTIVE", REVOKED: "REVOKED" } as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

export const SessionRules = {
  /** How long a refresh-token family lives, however often it rotates. */
  lifetimeMs: 30 * 24 * 60 * 60_000,
  /**
   * A refresh retried this soon after it rotated (its response was lost)
   * gets the same new pair instead of revoking the family.
   */
  retryGraceMs: 10_000,
  /** Hashes of used tokens kept to recognise a replayed one. */
  usedKept: 32,
} as const;

/** Stable error codes of sessions. */
export const SessionErrorCode = {
  ALREADY_ISSUED: "session.already_issued",
  INVALID_TOKEN: "session.invalid_token",
  REVOKED: "session.revoked",
  EXPIRED: "session.expired",
} as const;

export type SessionCommand =
  | {
    type: "issue";
    userId: string;
    /** SHA-256 (hex) of the first refresh token; tokens are never stored. */
    tokenHash: string;
    at: string;
  }
  | {
    type: "rotate";
    /** Hash of the refresh token the client presented. */
    presentedHash: string;
    /** Hash of the token that replaces it. */
    nextHash: string;
    at: string;
  }
  | { type: "revoke"; reason: string; at: string };

/** A refresh-token family; `null` until issued. */
export interface Session {
  userId: string;
  status: SessionStatus;
  /** Hash of the one token that may be used now. */
  current: string;
  /** Hash of the token `current` replaced, and when. */
  previous: string | null;
  rotatedAt: string | null;
  /** How many times it rotated. */
  generation: number;
  /** Hashes of older tokens, newest last (at most `usedKept`). */
  used: string[];
  issuedAt: string;
  expiresAt: string;
  revokedReason: string | null;
}
export type SessionState = Session | null;
