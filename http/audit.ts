/** `/api/v<n>/audit`: the security events an ADMIN reviews. */
import {
  listSecurityEvents,
  SECURITY_EVENTS_PROJECTION,
} from "../actors/user/mod.ts";
import type { SecurityEventItem } from "../actors/user/mod.ts";
import { SecurityEventsQuery, SecurityEventView } from "../schemas/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { page, plain } from "./representation.ts";
import { RouteGroup } from "./route.ts";

/** A page of security events. */
export const SecurityEventPage = page(
  "SecurityEventPage",
  plain<SecurityEventItem>("SecurityEvent", SecurityEventView),
);

/** Routes of `/api/v<n>/audit`. */
export function auditRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Audit",
    description: "Security events for the platform's ADMINs",
    base: "/audit",
    versioned: true,
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
