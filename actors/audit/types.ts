/** Value types, commands and state of the `audit` aggregate. */

/** Actor type of a day's access log of one operator. */
export const AUDIT = "audit";

/** What was done with a person's data. */
export const AuditAction = {
  /** A platform ADMIN read a person's data unmasked. */
  READ: "personal_data.read",
  /** Everything held about a person exported (GDPR art. 15, 20). */
  EXPORT: "gdpr.export",
  /** A person's data erased (GDPR art. 17). */
  ERASE: "gdpr.erase",
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** One access, as `audit.recorded` holds it: ids, never the data read. */
export interface AuditEntry {
  action: AuditAction;
  /** Who: the user id, its role and bedrift (`null`: the platform). */
  actor: { userId: string; role: string; bedriftId: string | null };
  /** The data subjects whose data it was (ids the GDPR routes take). */
  subjects: string[];
  /** The route, e.g. `GET /api/v1/employees/:id`. */
  resource: string;
  requestId: string | null;
  at: string;
}

export type AuditCommand = { type: "record" } & AuditEntry;

/** A day's log of one operator: how many entries it holds. */
export interface AuditLog {
  entries: number;
  lastAt: string;
}
export type AuditState = AuditLog | null;

/** Stable error codes of the `audit` aggregate. */
export const AuditErrorCode = {
  INVALID_ENTRY: "audit.invalid_entry",
} as const;
