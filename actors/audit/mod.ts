/**
 * @module audit
 *
 * The access log of personal data: every read of a person's unmasked data
 * by a platform ADMIN, and every GDPR export and erasure, recorded before
 * the answer leaves (`recordAccess`) as `audit.recorded` in a stream per
 * operator and day (`audit/<YYYY-MM-DD>_<userId>`); the `audit_log` read
 * model behind `GET /api/v1/audit`. Entries hold ids, never the data read.
 */
export { AUDIT, AuditAction, AuditErrorCode } from "./types.ts";
export type {
  AuditCommand,
  AuditEntry,
  AuditLog,
  AuditState,
} from "./types.ts";
export { AUDIT_EVENT_TYPES, auditEvent, AuditEventVersions } from "./events.ts";
export type { AuditEvent, AuditRecorded } from "./events.ts";
export { auditActor, auditDecider } from "./decider.ts";
export { AUDIT_LOG_PROJECTION, auditLogProjection } from "./projection.ts";
export { listAudit } from "./queries.ts";
export type { AuditFilter, AuditItem } from "./queries.ts";
export { auditStreamId, recordAccess } from "./record.ts";
