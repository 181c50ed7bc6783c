import { bodyLimit, Hono } from "../deps.ts";
import "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { bedriftRoutes } from "./bedrifter.ts";
import { healthRoutes } from "./health.ts";
import { invoiceRoutes } from "./invoices.ts";
import { expenseRoutes } from "./expenses.ts";
import { budgetRoutes } from "./budgets.ts";
import { ledgerRoutes } from "./ledger.ts";
import { reportRoutes } from "./reports.ts";
import { kontrollMalRoutes } from "./kontroll_maler.ts";
import { kontrollRoutes } from "./kontroller.ts";
import { employeeRoutes } from "./employees.ts";
import { eventRoutes } from "./events.ts";
import { chaosEdge, chaosRoutes } from "./chaos.ts";
import { realtimeRoutes } from "./realtime.ts";
import { webhookRoutes } from "./webhooks.ts";
import { deadline, requestId } from "./middleware.ts";
import { access, noAccessControl } from "./auth.ts";
import type { UserLookup } from "./auth.ts";
import { clientInfo, TrustedProxies } from "./client.ts";
import { corsFor, securityHeaders } from "./security.ts";
import { DEFAULT_RATE_LIMITS, rateLimits } from "./rate_limits.ts";
import { USER } from "../actors/user/mod.ts";
import type { UserState } from "../actors/user/mod.ts";
import { clientOf } from "./context.ts";
import { compilePolicies, matchPolicy } from "./policy.ts";
import type { CompiledPolicy } from "./policy.ts";
import { loginRoutes } from "./login.ts";
import { userRoutes } from "./users.ts";
import { auditRoutes } from "./audit.ts";
import { gdprRoutes } from "./gdpr.ts";
import { wellKnownRoutes } from "./well_known.ts";
import { integrationRoutes } from "./integration.ts";
import { docsRoutes } from "./docs.ts";
import { autoscaleRoutes } from "./autoscale.ts";
import { consoleRoutes } from "./console.ts";
import { deadLetterRoutes } from "./dead_letters.ts";
import { onError, problem, ProblemTypes } from "./problem.ts";
import { telemetry } from "./telemetry.ts";
import { RedMetrics } from "../runtime/telemetry/mod.ts";
import { mountGroups } from "./route.ts";
import type { RouteGroup } from "./route.ts";
import { apiVersions, LATEST_VERSION, versionedGetPath } from "./versions.ts";

/**
 * The Hono edge: thin routes that parse, `ask` an actor and map the result,
 * each declared once with its schemas (`route.ts`) and served under every
 * API version (`versions.ts`); `/openapi.json` and `/docs` describe them.
 *
 * @example
 * ```ts
 * const app = createApp({ system });
 * const res = await app.request("/health/live");
 * ```
 */
export function createApp(input: EdgeDeps): Hono {
  const deps = { ...input, httpMetrics: input.httpMetrics ?? new RedMetrics() };
  const defaultVersion = deps.defaultApiVersion ?? LATEST_VERSION;
  const security = deps.security ?? {};
  const app = new Hono({ getPath: versionedGetPath(defaultVersion) });
  app.use(telemetry(deps.httpMetrics));
  app.use(requestId());
  app.use(clientInfo(new TrustedProxies(security.trustedProxies)));
  app.use(securityHeaders());
  // A preflight is answered here, before any token is asked for.
  const cors = corsFor(security.corsOrigins ?? []);
  if (cors) app.use(cors);
  app.use(deadline(deps.requestTimeoutMs ?? 10_000));
  app.use("/api/*", apiVersions(defaultVersion));
  const limits = rateLimits({
    perUser: security.rateLimitPerUser === undefined
      ? DEFAULT_RATE_LIMITS.perUser
      : security.rateLimitPerUser,
    perAddress: security.rateLimitPerAddress === undefined
      ? DEFAULT_RATE_LIMITS.perAddress
      : security.rateLimitPerAddress,
    now: security.now,
  });
  // Per address before the token is verified: bad tokens cost no signature checks.
  app.use("/api/*", limits.headers, limits.byAddress);
  if (deps.chaos) {
    app.use("/api/*", chaosEdge(deps.chaos.control.agent.registry.seams.edge));
  }
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
  const users: UserLookup = async (subject, signal) =>
    (await clientOf(deps).read<UserState>(USER, subject, { signal })).state;
  app.use(
    "/api/*",
    deps.auth.enabled
      ? access({
        verifier: deps.auth.verifier,
        tickets: deps.realtime?.tickets,
        policies: compiled,
        routed: (method, path) => matchPolicy(routed, method, path) !== null,
        users,
        userRecheckSeconds: deps.auth.userRecheckSeconds,
        now: deps.auth.now,
      })
      : noAccessControl(),
  );
  app.use("/api/*", limits.byPrincipal);
  // Photo and receipt uploads carry their own, larger limits
  // (http/kontroller.ts, http/expenses.ts).
  app.use("/api/*", (c, next) =>
    c.req.method === "POST" &&
      /^\/api\/v\d+\/(kontroller\/[^/]+\/photos|expenses\/[^/]+\/receipt)$/
        .test(c.req.path)
      ? next()
      : limit(c, next));
  const groups: RouteGroup[] = [
    healthRoutes(deps),
    bedriftRoutes(deps),
    invoiceRoutes(deps),
    expenseRoutes(deps),
    budgetRoutes(deps),
    ledgerRoutes(deps),
    reportRoutes(deps),
    kontrollMalRoutes(deps),
    kontrollRoutes(deps),
    employeeRoutes(deps),
    loginRoutes(deps),
    userRoutes(deps),
    auditRoutes(deps),
    gdprRoutes(deps),
    eventRoutes(deps),
    chaosRoutes(deps),
    autoscaleRoutes(deps),
    webhookRoutes(deps),
    realtimeRoutes(deps),
    deadLetterRoutes(deps),
    ...consoleRoutes(deps),
    wellKnownRoutes(deps),
    ...integrationRoutes(deps),
  ];
  groups.push(docsRoutes(() => groups, defaultVersion));
  mountGroups(app, groups);
  // Every registered /api/ route, for the fail-closed check of the policy.
  routed = compilePolicies(
    Object.fromEntries(
      app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/"))
        .map((r) => [`${r.method} ${r.path}`, { roles: [] }]),
    ),
    null,
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

/** The route declarations of an edge (for its document and the tests). */
export { mountGroups };
