import { bodyLimit, Hono } from "../deps.ts";
import "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { bedriftRoutes } from "./bedrifter.ts";
import { healthRoutes } from "./health.ts";
import { invoiceRoutes } from "./invoices.ts";
import { kontrollMalRoutes } from "./kontroll_maler.ts";
import { kontrollRoutes } from "./kontroller.ts";
import { employeeRoutes } from "./employees.ts";
import { deadline, requestId } from "./middleware.ts";
import { access, noAccessControl } from "./auth.ts";
import { compilePolicies, matchPolicy } from "./policy.ts";
import type { CompiledPolicy } from "./policy.ts";
import { loginRoutes } from "./login.ts";
import { userRoutes } from "./users.ts";
import { auditRoutes } from "./audit.ts";
import { wellKnownRoutes } from "./well_known.ts";
import { onError, problem, ProblemTypes } from "./problem.ts";

/**
 * The Hono edge: thin routes that parse, `ask` an actor and map the result.
 *
 * @example
 * ```ts
 * const app = createApp({ system });
 * const res = await app.request("/health/live");
 * ```
 */
export function createApp(deps: EdgeDeps): Hono {
  const app = new Hono();
  app.use(requestId());
  app.use(deadline(deps.requestTimeoutMs ?? 10_000));
  const limit = bodyLimit({
    maxSize: deps.maxBodyBytes ?? 1024 * 1024,
    onError: (c) =>
      problem(c, {
        type: ProblemTypes.tooLarge,
        title: "The request body is too large",
        status: 413,
      }),
  });
  // Authentication before the body is read: an anonymous upload is refused
  // without being received.
  const compiled = compilePolicies();
  let routed: CompiledPolicy[] = [];
  app.use(
    "/api/*",
    deps.auth.enabled
      ? access({
        verifier: deps.auth.verifier,
        policies: compiled,
        routed: (method, path) => matchPolicy(routed, method, path) !== null,
      })
      : noAccessControl(),
  );
  // Photo uploads carry their own, larger limit (http/kontroller.ts).
  app.use("/api/*", (c, next) =>
    c.req.method === "POST" &&
      /^\/api\/v1\/kontroller\/[^/]+\/photos$/.test(c.req.path)
      ? next()
      : limit(c, next));
  app.route("/", healthRoutes(deps));
  app.route("/api/v1/bedrifter", bedriftRoutes(deps));
  app.route("/api/v1/invoices", invoiceRoutes(deps));
  app.route("/api/v1/kontroll-maler", kontrollMalRoutes(deps));
  app.route("/api/v1/kontroller", kontrollRoutes(deps));
  app.route("/api/v1/employees", employeeRoutes(deps));
  app.route("/api/v1/auth", loginRoutes(deps));
  app.route("/api/v1/users", userRoutes(deps));
  app.route("/api/v1/audit", auditRoutes(deps));
  app.route("/.well-known", wellKnownRoutes(deps));
  // Every registered /api/ route, for the fail-closed check of the policy.
  routed = compilePolicies(
    Object.fromEntries(
      app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/"))
        .map((r) => [`${r.method} ${r.path}`, { roles: [] }]),
    ),
  );
  app.notFound((c) =>
    problem(c, {
      type: ProblemTypes.notFound,
      title: `No route for ${c.req.method} ${c.req.path}`,
      status: 404,
    })
  );
  app.onError(onError);
  return app;
}
