/**
 * Who may call which route: one declarative table, read by the access
 * middleware on every `/api/` request, by the route × role matrix test, and
 * by the API document. Tenancy is not a column: every ask and read carries
 * the principal, so another bedrift's object answers 404 (the actor checks it
 * again), and every list is filtered to the principal's bedrift.
 */
import { UserRole } from "../actors/user/mod.ts";
import { API_VERSIONS } from "./versions.ts";

/** A role may act on its own record only: `param` must be its `claim`. */
export interface SelfRule {
  roles: readonly UserRole[];
  /** The path parameter naming the record. */
  param: string;
  /** The principal's id that must equal it: the user's, or its employee's. */
  claim: "user" | "employee";
}

export interface RoutePolicy {
  /** Roles that may call it; `public`: no token needed. */
  roles: readonly UserRole[] | "public";
  self?: SelfRule;
  /**
   * A single-use `?ticket=` (from `POST /stream/tickets`) may stand for the
   * bearer token: for browsers' `EventSource` and `WebSocket`, which cannot
   * send `Authorization`.
   */
  ticket?: true;
}

const { ADMIN, HOVEDBRUKER, OKONOMI, TRAFIKKLARER } = UserRole;
const ALL = [ADMIN, HOVEDBRUKER, OKONOMI, TRAFIKKLARER] as const;
const MANAGERS = [ADMIN, HOVEDBRUKER] as const;
const ECONOMY = [ADMIN, HOVEDBRUKER, OKONOMI] as const;
const KONTROLL_STAFF = [ADMIN, HOVEDBRUKER, TRAFIKKLARER] as const;
const OWN_EMPLOYEE: SelfRule = {
  roles: [OKONOMI, TRAFIKKLARER],
  param: "id",
  claim: "employee",
};

/**
 * The policy of every `/api/` route, keyed `METHOD /path/:param` as Hono
 * registers it below `/api/v<n>` — one entry for every API version (and for
 * the unversioned alias, which routes as the version it selects). A route
 * missing here is refused (403) for everyone, and the matrix test fails.
 * The OpenAPI document shows each route's roles from here (`x-tms-roles`).
 */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  "POST /auth/login": { roles: "public" },
  "POST /auth/refresh": { roles: "public" },
  "POST /auth/logout": { roles: ALL },

  "GET /users": { roles: MANAGERS },
  "POST /users": { roles: MANAGERS },
  "GET /users/me": { roles: ALL },
  "POST /users/me/password": { roles: ALL },
  "GET /users/:id": {
    roles: MANAGERS,
    self: { roles: [OKONOMI, TRAFIKKLARER], param: "id", claim: "user" },
  },
  "PATCH /users/:id": { roles: MANAGERS },
  "POST /users/:id/disable": { roles: MANAGERS },
  "GET /users/:id/history": {
    roles: MANAGERS,
    self: { roles: [OKONOMI, TRAFIKKLARER], param: "id", claim: "user" },
  },
  "GET /audit/security": { roles: [ADMIN] },
  "GET /audit": { roles: [ADMIN] },

  // GDPR: an ADMIN for anyone; a HOVEDBRUKER for its own bedrift's people
  // (the actors' tenancy check); anyone may export their own data (as a
  // user, which takes in the employee it is linked to). Erasure is the
  // controller's decision, never a self-service.
  "POST /gdpr/consents": { roles: MANAGERS },
  "GET /gdpr/consents": { roles: MANAGERS },
  "GET /gdpr/subjects/:id/export": {
    roles: MANAGERS,
    self: { roles: [OKONOMI, TRAFIKKLARER], param: "id", claim: "user" },
  },
  "POST /gdpr/subjects/:id/erase": { roles: MANAGERS },

  "GET /schemas/integration": { roles: "public" },
  "GET /schemas/integration/:file": { roles: "public" },

  "GET /events/types": { roles: ALL },
  "GET /events/history": { roles: ALL },
  "GET /events/stats": { roles: [ADMIN] },
  "POST /events/test": { roles: [ADMIN] },

  "GET /chaos/faults/types": { roles: [ADMIN] },
  "POST /chaos/faults/inject": { roles: [ADMIN] },
  "GET /chaos/experiments": { roles: [ADMIN] },
  "POST /chaos/experiments": { roles: [ADMIN] },
  "GET /chaos/experiments/:id": { roles: [ADMIN] },
  "POST /chaos/experiments/:id/start": { roles: [ADMIN] },
  "POST /chaos/experiments/:id/stop": { roles: [ADMIN] },
  "GET /chaos/safety/status": { roles: [ADMIN] },
  "POST /chaos/safety/emergency-stop": { roles: [ADMIN] },
  "GET /autoscale/status": { roles: [ADMIN] },
  "GET /autoscale/predictions": { roles: [ADMIN] },
  "GET /autoscale/recommendations": { roles: [ADMIN] },
  "GET /autoscale/decisions": { roles: [ADMIN] },
  "POST /autoscale/scale": { roles: [ADMIN] },
  "GET /autoscale/anomalies": { roles: [ADMIN] },
  "GET /autoscale/cost": { roles: [ADMIN] },

  "GET /dead-letters": { roles: [ADMIN] },
  "POST /dead-letters/:id/retry": { roles: [ADMIN] },
  "GET /console/status": { roles: [ADMIN] },
  "GET /console/stream": { roles: [ADMIN], ticket: true },

  "GET /bedrifter": { roles: ALL },
  "POST /bedrifter": { roles: [ADMIN] },
  "GET /bedrifter/:id": { roles: ALL },
  "GET /bedrifter/:id/history": { roles: ALL },
  "PATCH /bedrifter/:id": { roles: MANAGERS },
  "POST /bedrifter/:id/status": { roles: [ADMIN] },
  "PUT /bedrifter/:id/invoice-settings": { roles: ECONOMY },

  "GET /invoices": { roles: ECONOMY },
  "POST /invoices": { roles: ECONOMY },
  "GET /invoices/:id": { roles: ECONOMY },
  "GET /invoices/:id/history": { roles: ECONOMY },
  "GET /invoices/:id/pdf": { roles: ECONOMY },
  "POST /invoices/:id/lines": { roles: ECONOMY },
  "DELETE /invoices/:id/lines/:lineId": { roles: ECONOMY },
  "POST /invoices/:id/send": { roles: ECONOMY },
  "POST /invoices/:id/payments": { roles: ECONOMY },
  "POST /invoices/:id/remind": { roles: ECONOMY },
  "POST /invoices/:id/cancel": { roles: ECONOMY },
  "POST /invoices/:id/credit": { roles: ECONOMY },

  "GET /expenses": { roles: ECONOMY },
  "POST /expenses": { roles: ECONOMY },
  "GET /expenses/:id": { roles: ECONOMY },
  "GET /expenses/:id/history": { roles: ECONOMY },
  "POST /expenses/:id/approve": { roles: ECONOMY },
  "POST /expenses/:id/reject": { roles: ECONOMY },
  "POST /expenses/:id/pay": { roles: ECONOMY },
  "POST /expenses/:id/receipt": { roles: ECONOMY },
  "GET /expenses/:id/receipt": { roles: ECONOMY },

  "GET /budgets": { roles: ECONOMY },
  "POST /budgets": { roles: ECONOMY },
  "GET /budgets/:id": { roles: ECONOMY },
  "GET /budgets/:id/history": { roles: ECONOMY },
  "PATCH /budgets/:id": { roles: ECONOMY },

  "GET /ledger/entries": { roles: ECONOMY },
  "GET /ledger/accounts": { roles: ECONOMY },

  "GET /reports/income": { roles: ECONOMY },
  "GET /reports/balance": { roles: ECONOMY },
  "GET /reports/mva": { roles: ECONOMY },
  "GET /reports/receivables": { roles: ECONOMY },
  "GET /reports/cashflow": { roles: ECONOMY },

  "POST /kontroll-maler": { roles: MANAGERS },
  "GET /kontroll-maler/:id": { roles: KONTROLL_STAFF },
  "GET /kontroll-maler/:id/history": { roles: KONTROLL_STAFF },
  "PATCH /kontroll-maler/:id": { roles: MANAGERS },
  "POST /kontroll-maler/:id/archive": { roles: MANAGERS },

  "GET /kontroller": { roles: KONTROLL_STAFF },
  "POST /kontroller": { roles: KONTROLL_STAFF },
  "GET /kontroller/:id": { roles: KONTROLL_STAFF },
  "GET /kontroller/:id/history": { roles: KONTROLL_STAFF },
  "POST /kontroller/:id/points/:pointId": { roles: KONTROLL_STAFF },
  "POST /kontroller/:id/photos": { roles: KONTROLL_STAFF },
  "GET /kontroller/:id/photos/:fileId": { roles: KONTROLL_STAFF },
  "POST /kontroller/:id/complete": { roles: KONTROLL_STAFF },

  "GET /employees": { roles: MANAGERS },
  "POST /employees": { roles: MANAGERS },
  "GET /employees/:id": { roles: MANAGERS, self: OWN_EMPLOYEE },
  "GET /employees/:id/history": { roles: MANAGERS, self: OWN_EMPLOYEE },
  "PATCH /employees/:id": { roles: MANAGERS },
  "POST /employees/:id/role": { roles: MANAGERS },
  "POST /employees/:id/terminate": { roles: MANAGERS },
  "POST /employees/:id/clock-in": {
    roles: MANAGERS,
    self: OWN_EMPLOYEE,
  },
  "POST /employees/:id/clock-out": {
    roles: MANAGERS,
    self: OWN_EMPLOYEE,
  },
  "POST /employees/:id/absences": {
    roles: MANAGERS,
    self: OWN_EMPLOYEE,
  },

  "GET /webhooks": { roles: MANAGERS },
  "POST /webhooks": { roles: MANAGERS },
  "GET /webhooks/:id": { roles: MANAGERS },
  "PATCH /webhooks/:id": { roles: MANAGERS },
  "DELETE /webhooks/:id": { roles: MANAGERS },
  "POST /webhooks/:id/secret": { roles: MANAGERS },
  "GET /webhooks/:id/deliveries": { roles: MANAGERS },
  "POST /webhooks/:id/deliveries/:deliveryId/retry": { roles: MANAGERS },

  "POST /stream/tickets": { roles: ALL },
  "GET /stream": { roles: ALL, ticket: true },
  "GET /ws": { roles: ALL, ticket: true },
};

/** A policy with the route it belongs to, compiled for matching. */
export interface CompiledPolicy {
  key: string;
  method: string;
  path: string;
  policy: RoutePolicy;
  pattern: RegExp;
  params: string[];
}

/** The table key of a routed `/api/v<n>/…` path (`GET /api/v2/a/:b` → `GET /a/:b`). */
export function policyKey(routeKey: string): string {
  return routeKey.replace(/^(\w+) \/api\/v\d+(?=\/|$)/, "$1 ");
}

/**
 * Compiles `METHOD /a/:b` keys into matchers, most specific first; with
 * `versions`, each key matches below `/api/v<n>` for every version given
 * (the table's own keys), else the keys are full paths.
 */
export function compilePolicies(
  table: Readonly<Record<string, RoutePolicy>> = ROUTE_POLICIES,
  versions: readonly number[] | null = API_VERSIONS,
): CompiledPolicy[] {
  const prefix = versions === null ? "" : `/api/v(?:${versions.join("|")})`;
  return Object.entries(table).map(([key, policy]) => {
    const [method, path] = key.split(" ");
    const params: string[] = [];
    const source = path.split("/").map((part) => {
      if (!part.startsWith(":")) {
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }
      params.push(part.slice(1));
      return "([^/]+)";
    }).join("/");
    return {
      key,
      method,
      path,
      policy,
      pattern: new RegExp(`^${prefix}${source}/?$`),
      params,
    };
  }).sort((a, b) => a.params.length - b.params.length);
}

/**
 * A path parameter decoded as the router decodes it: a malformed escape
 * (`%E0%A4%A`) stays as it was sent — it names no record of anyone's.
 */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The policy of a request and its path parameters, or null. */
export function matchPolicy(
  compiled: readonly CompiledPolicy[],
  method: string,
  path: string,
): { policy: CompiledPolicy; params: Record<string, string> } | null {
  const m = method === "HEAD" ? "GET" : method;
  for (const entry of compiled) {
    if (entry.method !== m) continue;
    const match = entry.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    entry.params.forEach((name, i) => {
      params[name] = decodeParam(match[i + 1]);
    });
    return { policy: entry, params };
  }
  return null;
}
