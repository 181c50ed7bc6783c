/**
 * Who may call which route: one declarative table, read by the access
 * middleware on every `/api/` request, by the route × role matrix test, and
 * by the API document. Tenancy is not a column: every ask and read carries
 * the principal, so another bedrift's object answers 404 (the actor checks it
 * again), and every list is filtered to the principal's bedrift.
 */
import { UserRole } from "../actors/user/mod.ts";

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
 * registers it. A route missing here is refused (403) for everyone, and the
 * matrix test fails.
 */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  "POST /api/v1/auth/login": { roles: "public" },
  "POST /api/v1/auth/refresh": { roles: "public" },
  "POST /api/v1/auth/logout": { roles: ALL },

  "GET /api/v1/users": { roles: MANAGERS },
  "POST /api/v1/users": { roles: MANAGERS },
  "GET /api/v1/users/me": { roles: ALL },
  "POST /api/v1/users/me/password": { roles: ALL },
  "GET /api/v1/users/:id": {
    roles: MANAGERS,
    self: { roles: [OKONOMI, TRAFIKKLARER], param: "id", claim: "user" },
  },
  "PATCH /api/v1/users/:id": { roles: MANAGERS },
  "POST /api/v1/users/:id/disable": { roles: MANAGERS },
  "GET /api/v1/audit/security": { roles: [ADMIN] },

  "GET /api/v1/bedrifter": { roles: ALL },
  "POST /api/v1/bedrifter": { roles: [ADMIN] },
  "GET /api/v1/bedrifter/:id": { roles: ALL },
  "PATCH /api/v1/bedrifter/:id": { roles: MANAGERS },
  "POST /api/v1/bedrifter/:id/status": { roles: [ADMIN] },
  "PUT /api/v1/bedrifter/:id/invoice-settings": { roles: ECONOMY },

  "GET /api/v1/invoices": { roles: ECONOMY },
  "POST /api/v1/invoices": { roles: ECONOMY },
  "GET /api/v1/invoices/:id": { roles: ECONOMY },
  "GET /api/v1/invoices/:id/pdf": { roles: ECONOMY },
  "POST /api/v1/invoices/:id/lines": { roles: ECONOMY },
  "DELETE /api/v1/invoices/:id/lines/:lineId": { roles: ECONOMY },
  "POST /api/v1/invoices/:id/send": { roles: ECONOMY },
  "POST /api/v1/invoices/:id/payments": { roles: ECONOMY },
  "POST /api/v1/invoices/:id/remind": { roles: ECONOMY },
  "POST /api/v1/invoices/:id/cancel": { roles: ECONOMY },
  "POST /api/v1/invoices/:id/credit": { roles: ECONOMY },

  "POST /api/v1/kontroll-maler": { roles: MANAGERS },
  "GET /api/v1/kontroll-maler/:id": { roles: KONTROLL_STAFF },
  "PATCH /api/v1/kontroll-maler/:id": { roles: MANAGERS },
  "POST /api/v1/kontroll-maler/:id/archive": { roles: MANAGERS },

  "GET /api/v1/kontroller": { roles: KONTROLL_STAFF },
  "POST /api/v1/kontroller": { roles: KONTROLL_STAFF },
  "GET /api/v1/kontroller/:id": { roles: KONTROLL_STAFF },
  "POST /api/v1/kontroller/:id/points/:pointId": { roles: KONTROLL_STAFF },
  "POST /api/v1/kontroller/:id/photos": { roles: KONTROLL_STAFF },
  "GET /api/v1/kontroller/:id/photos/:fileId": { roles: KONTROLL_STAFF },
  "POST /api/v1/kontroller/:id/complete": { roles: KONTROLL_STAFF },

  "GET /api/v1/employees": { roles: MANAGERS },
  "POST /api/v1/employees": { roles: MANAGERS },
  "GET /api/v1/employees/:id": { roles: MANAGERS, self: OWN_EMPLOYEE },
  "PATCH /api/v1/employees/:id": { roles: MANAGERS },
  "POST /api/v1/employees/:id/role": { roles: MANAGERS },
  "POST /api/v1/employees/:id/terminate": { roles: MANAGERS },
  "POST /api/v1/employees/:id/clock-in": {
    roles: MANAGERS,
    self: OWN_EMPLOYEE,
  },
  "POST /api/v1/employees/:id/clock-out": {
    roles: MANAGERS,
    self: OWN_EMPLOYEE,
  },
  "POST /api/v1/employees/:id/absences": {
    roles: MANAGERS,
    self: OWN_EMPLOYEE,
  },
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

/** Compiles `METHOD /a/:b` keys into matchers, most specific first. */
export function compilePolicies(
  table: Readonly<Record<string, RoutePolicy>> = ROUTE_POLICIES,
): CompiledPolicy[] {
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
      pattern: new RegExp(`^${source}/?$`),
      params,
    };
  }).sort((a, b) => a.params.length - b.params.length);
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
      params[name] = decodeURIComponent(match[i + 1]);
    });
    return { policy: entry, params };
  }
  return null;
}
