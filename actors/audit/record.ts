import type { ActorClient, AskOptions } from "../../runtime/actor/mod.ts";
import type { Principal } from "../../runtime/core/mod.ts";
import { AUDIT } from "./types.ts";
import type { AuditAction, AuditEntry } from "./types.ts";

/** The audit stream of one operator's day: `<YYYY-MM-DD>_<userId>`. */
export function auditStreamId(userId: string, at: string): string {
  return `${at.slice(0, 10)}_${userId}`.replace(/[^A-Za-z0-9_-]/g, "-");
}

/**
 * Records an access to personal data in the audit log and waits for the
 * log to take it, so a read whose record failed never answers.
 *
 * @example
 * ```ts
 * await recordAccess(system, {
 *   principal, action: AuditAction.EXPORT, subjects: [employeeId],
 *   resource: "GET /api/v1/gdpr/subjects/:id/export", requestId, at,
 * });
 * ```
 */
export async function recordAccess(
  system: ActorClient,
  input: {
    principal: Principal;
    action: AuditAction;
    subjects: readonly string[];
    resource: string;
    requestId?: string | null;
    at: string;
  },
  options: Pick<AskOptions, "signal" | "meta"> = {},
): Promise<void> {
  const { principal } = input;
  const entry: AuditEntry = {
    action: input.action,
    actor: {
      userId: principal.subject,
      role: principal.role,
      bedriftId: principal.tenant,
    },
    subjects: [...new Set(input.subjects)],
    resource: input.resource,
    requestId: input.requestId ?? null,
    at: input.at,
  };
  await system.ask(
    AUDIT,
    auditStreamId(principal.subject, input.at),
    { type: "record", ...entry },
    options,
  );
}
