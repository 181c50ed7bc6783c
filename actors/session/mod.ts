/**
 * @module session
 *
 * Session — one refresh-token family of one user: issued at login, rotated by
 * every refresh (only hashes of tokens are kept), revoked at logout, when the
 * user is disabled, or when a used token is presented again (reuse
 * detection revokes the whole family, RFC 9700 §4.14.2).
 */
export {
  SESSION,
  SessionErrorCode,
  SessionRules,
  SessionStatus,
} from "./types.ts";
export type { Session, SessionCommand, SessionState } from "./types.ts";
export {
  SESSION_EVENT_TYPES,
  sessionEvent,
  SessionEventVersions,
} from "./events.ts";
export type { SessionEvent } from "./events.ts";
export { sessionActor, sessionDecider } from "./decider.ts";
