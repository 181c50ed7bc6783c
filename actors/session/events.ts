/** The events of the `session` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";

export type SessionEvent =
  | DomainEvent<"session.issued", {
    userId: string;
    tokenHash: string;
    expiresAt: string;
    at: string;
  }>
  | DomainEvent<"session.rotated", {
    /** Hash of the token now current. */
    tokenHash: string;
    generation: number;
    at: string;
  }>
  | DomainEvent<"session.reuse_detected", {
    userId: string;
    /** Hash of the used token that was presented again. */
    tokenHash: string;
    at: string;
  }>
  | DomainEvent<"session.revoked", { reason: string; at: string }>;

/** Current schema version of each session event. */
export const SessionEventVersions = {
  "session.issued": 1,
  "session.rotated": 1,
  "session.reuse_detected": 1,
  "session.revoked": 1,
} as const satisfies EventVersions<SessionEvent>;

/** Every session event type. */
export const SESSION_EVENT_TYPES = eventTypesOf(SessionEventVersions);

/** Builds a session event at its current schema version. */
export const sessionEvent = eventFactory<SessionEvent>(SessionEventVersions);
