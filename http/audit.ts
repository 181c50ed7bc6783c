/**
 * `/api/v<n>/audit`: what an ADMIN reviews — the access log of personal data
 * (`GET /audit`: every unmasked read of a person's data by a platform
 * ADMIN, every GDPR export and erasure) and the security events
 * (`GET /audit/security`: failed logins, locks, disabled users, replayed
 * refresh tokens). What writes the access log is `access_log.ts`.
 */
import {
  listSecurityEvents,
  SECURITY_EVENTS_PROJECTION,
} from "../actors/user/mod.ts";
import type { SecurityEventItem } from "../actors/user/mod.ts";
import { AUDIT_LOG_PROJECTION, listAudit } from "../actors/audit/mod.ts";
import type { AuditItem } from "../actors/audit/mod.ts";
import {
  AuditEntryView,
  AuditQuery,
  SecurityEventsQuery,
  SecurityEventView,
} from "../schemas/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { page, plain } from "./representation.ts";
import { RouteGroup } from "./route.ts";

/** A page of security events. */
export const SecurityEventPage = page(
  "SecurityEventPage",
  plain<SecurityEventItem>("SecurityEvent", SecurityEventView),
);

/** A page of the access log. */
export const AuditPage = page(
  "AuditPage",
  plain<AuditItem>("AuditEntry", AuditEntryView),
);

/** Routes of `/api/v<n>/audit`. */
export function auditRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Audit",
    description:
      "The access log of personal data and the security events, for the platform's ADMINs",
    base: "/audit",
    versioned: true,
  });
  listRoute(group, deps.readSide, {
    operationId: "listAudit",
    summary:
      "Reads of personal data by platform ADMINs, GDPR exports and erasures, newest first",
    description:
      "Each entry: the action (`personal_data.read`, `gdpr.export`, `gdpr.erase`), who (user id, role, bedrift), the data subjects, the route and the request id — never the data read.",
    rep: AuditPage,
    projection: AUDIT_LOG_PROJECTION,
    query: AuditQuery,
    list: listAudit,
  });
  listRoute(group, deps.readSide, {
    path: "/security",
    operationId: "listSecurityEvents",
    summary:
      "Failed logins, locks, disabled users and replayed refresh tokens, newest first",
    rep: SecurityEventPage,
    projection: SECURITY_EVENTS_PROJECTION,
    query: SecurityEventsQuery,
    list: listSecurityEvents,
  });
  return group;
}
