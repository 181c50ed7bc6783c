import { matchedRoutes } from "../deps.ts";
import type { Context, MiddlewareHandler } from "../deps.ts";
import type { RedMetrics } from "../runtime/telemetry/mod.ts";
import { activeSpan } from "../runtime/telemetry/mod.ts";

/** The route template a request matched (`/api/v1/invoices/:id`), or `unmatched`. */
export function routeTemplate(c: Context): string {
  // Handlers are registered per method; middleware under ALL.
  const handler = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  return handler?.path ?? "unmatched";
}

/**
 * Rate, errors and duration per route template, and — with tracing on — the
 * route on Deno's server span: `http.route` and the name `<METHOD> <route>`
 * (Deno names it by the method alone).
 */
export function telemetry(red: RedMetrics): MiddlewareHandler {
  return async function telemetry(c, next) {
    const started = performance.now();
    await next();
    const route = routeTemplate(c);
    red.record(
      c.req.method,
      route,
      c.res.status,
      (performance.now() - started) / 1000,
    );
    const span = activeSpan();
    if (span) {
      span.setAttribute("http.route", route);
      span.updateName(`${c.req.method} ${route}`);
    }
  };
}
