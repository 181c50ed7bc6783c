/** `/api/v1/audit`: the security events an ADMIN reviews. */
import { Hono } from "../deps.ts";
import {
  listSecurityEvents,
  SECURITY_EVENTS_PROJECTION,
} from "../actors/user/mod.ts";
import { SecurityEventsQuery } from "../schemas/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { listHandler } from "./queries.ts";

/** Routes of `/api/v1/audit`. */
export function auditRoutes(deps: EdgeDeps): Hono {
  const app = new Hono();
  // Failed logins, locks, disabled users and replayed refresh tokens,
  // newest first.
  app.get(
    "/security",
    listHandler(deps.readSide, {
      projection: SECURITY_EVENTS_PROJECTION,
      query: SecurityEventsQuery,
      list: listSecurityEvents,
    }),
  );
  return app;
}
