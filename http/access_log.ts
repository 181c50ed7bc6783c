/**
 * The access log at the edge: what the routes that show a person's data,
 * and the GDPR export and erasure, record before they answer (listed at
 * `GET /api/v<n>/audit`).
 */
import type { Context } from "../deps.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import type { Commit } from "../runtime/core/mod.ts";
import { AuditAction, recordAccess } from "../actors/audit/mod.ts";
import { revealsPersonalData } from "../actors/mod.ts";
import { EMPLOYEE } from "../actors/employee/mod.ts";
import { INVOICE, kundeSubject } from "../actors/invoice/mod.ts";
import type { InvoiceDrafted } from "../actors/invoice/mod.ts";
import { USER, UserRole } from "../actors/user/mod.ts";
import { ANONYMOUS } from "./auth.ts";
import { routeTemplate } from "./telemetry.ts";
import { now } from "./write.ts";

/** The route of a request as declared (`GET /api/v1/employees/:id`). */
export function routeOf(c: Context): string {
  const route = routeTemplate(c);
  return `${c.req.method} ${route === "unmatched" ? c.req.path : route}`;
}

/**
 * Records `action` on `subjects` in the access log for the request's
 * principal, and waits for the log to take it (a failure fails the
 * request: nothing answers unrecorded). With authentication off
 * (`TMS_AUTH=off`, for benchmarks) there is nobody to name: nothing is
 * recorded.
 */
export async function auditAccess(
  c: Context,
  client: ActorClient,
  action: AuditAction,
  subjects: readonly (string | null | undefined)[],
): Promise<void> {
  const principal = c.get("principal");
  const ids = subjects.filter((s): s is string => typeof s === "string");
  if (!principal || principal === ANONYMOUS || ids.length === 0) return;
  await recordAccess(client, {
    principal,
    action,
    subjects: ids,
    resource: routeOf(c),
    requestId: c.get("requestId") ?? null,
    at: now(),
  }, { signal: c.get("signal") });
}

/**
 * Records a platform ADMIN's read of these persons' unmasked data; anyone
 * else reads their own bedrift's people in the course of its work, masked
 * where the API masks, and is not an operator: nothing is recorded.
 */
export async function auditPersonalRead(
  c: Context,
  client: ActorClient,
  subjects: readonly (string | null | undefined)[],
): Promise<void> {
  if (c.get("principal")?.role !== UserRole.ADMIN) return;
  await auditAccess(c, client, AuditAction.READ, subjects);
}

/**
 * The data subjects whose personal data these commits show in clear: an
 * employee's or a user's stream is its own subject, an invoice's draft its
 * customer's (when a person).
 */
export function subjectsShown(commits: readonly Commit[]): string[] {
  const subjects = new Set<string>();
  for (const commit of commits) {
    for (const event of commit.events) {
      if (!revealsPersonalData(event)) continue;
      if (commit.type === EMPLOYEE || commit.type === USER) {
        subjects.add(commit.id);
      } else if (
        commit.type === INVOICE && event.type === "invoice.drafted"
      ) {
        const subject = kundeSubject(commit.id, event.data as InvoiceDrafted);
        if (subject) subjects.add(subject);
      }
    }
  }
  return [...subjects];
}
