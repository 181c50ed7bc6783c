/** The events of the `audit` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { AuditEntry } from "./types.ts";

/** An access to a person's data, an export or an erasure. */
export type AuditRecorded = DomainEvent<"audit.recorded", AuditEntry>;

export type AuditEvent = AuditRecorded;

/** Current schema version of each audit event. */
export const AuditEventVersions = {
  "audit.recorded": 1,
} as const satisfies EventVersions<AuditEvent>;

/** Every audit event type. */
export const AUDIT_EVENT_TYPES = eventTypesOf(AuditEventVersions);

/** Builds an audit event at its current schema version. */
export const auditEvent = eventFactory<AuditEvent>(AuditEventVersions);
