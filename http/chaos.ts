/**
 * `/api/v<n>/chaos`: the chaos supervisor's API (ADMIN only, and only on a
 * node with `TMS_CHAOS=on`; otherwise 403 "chaos is disabled on this
 * node") — the fault types, ad hoc faults, experiments (create, list, read
 * with the journal, start, stop), the safety status and the emergency
 * stop; and the edge's fault seam (`network_latency`,
 * `service_unavailable`) for the other `/api/` routes but the ops
 * console's.
 */
import type { Context, MiddlewareHandler } from "../deps.ts";
import { z } from "../deps.ts";
import {
  CHAOS_EXPERIMENT,
  CHAOS_EXPERIMENTS_PROJECTION,
  ChaosErrorCode,
  listExperiments,
} from "../actors/supervisors/chaos/mod.ts";
import type {
  ChaosSupervisor,
  ExperimentDefinition,
  ExperimentView,
  MethodFault,
} from "../actors/supervisors/chaos/mod.ts";
import { FAULT_TYPES } from "../runtime/chaos/mod.ts";
import type { EdgeSeam } from "../runtime/chaos/mod.ts";
import {
  delay,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
} from "../runtime/core/mod.ts";
import {
  AdhocReportView,
  CreateExperimentBody,
  ExperimentListItemView,
  ExperimentView as ExperimentViewSchema,
  FaultTypeView,
  InjectFaultBody,
  SafetyStatusView,
  StopReportView,
} from "../schemas/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { apiBase, page, plain, reply } from "./representation.ts";
import { RouteGroup } from "./route.ts";
import type { ProblemStatus } from "./route.ts";
import { askOptions, newId, requireId } from "./write.ts";

/**
 * Paths the edge's faults leave alone: the supervisor, and the ops console's
 * status and stream, must stay reachable while a fault is on.
 */
const CHAOS_PATH = /^\/api\/(?:v\d+\/)?(?:chaos|console)(?:\/|$)/;

/**
 * The edge's fault seam: while a `network_latency` or
 * `service_unavailable` fault is active, a share of `/api/` requests (not
 * the chaos routes) wait or are answered 503 with `Retry-After` without
 * being handled. One check per request otherwise.
 */
export function chaosEdge(seam: EdgeSeam): MiddlewareHandler {
  return async function chaosEdge(c, next) {
    if (!seam.armed || CHAOS_PATH.test(c.req.path)) return await next();
    const fault = seam.next();
    if (fault) {
      if (fault.latencyMs > 0) {
        await delay(fault.latencyMs, { signal: c.get("signal") });
      }
      if (fault.unavailable !== null) {
        throw new UnavailableError(
          "Service unavailable (injected service_unavailable)",
          { retryAfter: fault.unavailable },
        );
      }
    }
    await next();
  };
}

const FaultTypesRep = plain<unknown>(
  "ChaosFaultTypes",
  z.object({ items: z.array(FaultTypeView) }),
);
const AdhocRep = plain<unknown>("ChaosAdhocFault", AdhocReportView);
const ExperimentRep = plain<ExperimentView>(
  "ChaosExperiment",
  ExperimentViewSchema,
);
const StatusRep = plain<unknown>("ChaosSafetyStatus", SafetyStatusView);
const StopRep = plain<unknown>("ChaosEmergencyStop", StopReportView);
const ExperimentPage = page(
  "ChaosExperimentPage",
  plain<unknown>("ChaosExperimentListItem", ExperimentListItemView),
);

const ExperimentsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const PROBLEMS: ProblemStatus[] = [401, 403, 503];

function methodFault(
  body: Omit<MethodFault, "afterS"> & { afterS?: number },
): MethodFault {
  return {
    kind: body.kind,
    selector: body.selector,
    params: body.params,
    afterS: body.afterS ?? 0,
    durationS: body.durationS,
  };
}

/** Routes of `/api/v<n>/chaos`. */
export function chaosRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Chaos",
    description:
      "The chaos supervisor: fault injection, experiments and the emergency stop (ADMIN, TMS_CHAOS=on)",
    base: "/chaos",
    versioned: true,
  });
  const supervisor = (): ChaosSupervisor => {
    if (!deps.chaos?.settings.enabled) {
      throw new ForbiddenError(
        ChaosErrorCode.DISABLED,
        "chaos is disabled on this node",
      );
    }
    return deps.chaos;
  };
  const enabled: MiddlewareHandler = async function chaosEnabled(_c, next) {
    supervisor();
    await next();
  };
  const by = (c: Context) => c.get("principal")?.subject ?? "anonymous";
  const view = async (c: Context, id: string) => {
    const found = await supervisor().experiment(id, {
      signal: c.get("signal"),
    });
    if (!found) throw new NotFoundError("No such experiment");
    return found;
  };

  group.route(
    {
      method: "get",
      path: "/faults/types",
      operationId: "listChaosFaultTypes",
      summary: "The fault kinds, their seams, scopes and parameters",
      responses: { 200: { description: "Every kind", body: FaultTypesRep } },
      problems: PROBLEMS,
    },
    (c) => reply(c, FaultTypesRep, { items: FAULT_TYPES }),
    [enabled],
  );

  group.route({
    method: "post",
    path: "/faults/inject",
    operationId: "injectChaosFault",
    summary:
      "Inject one fault now, on every node it selects, for its (mandatory) duration",
    description:
      "Refused with 422 above the blast-radius limit (TMS_CHAOS_BLAST_RADIUS_LIMIT) unless `force` is set; the force is recorded.",
    request: { body: { schema: InjectFaultBody } },
    responses: { 201: { description: "Injected", body: AdhocRep } },
    problems: [...PROBLEMS, 400, 422],
  }, async (c, { body }) => {
    const report = await supervisor().inject({
      fault: methodFault(body),
      force: body.force,
      by: by(c),
    });
    return reply(c, AdhocRep, report, 201);
  }, [enabled]);

  listRoute(group, deps.readSide, {
    path: "/experiments",
    operationId: "listChaosExperiments",
    summary: "The experiments, newest first",
    rep: ExperimentPage,
    projection: CHAOS_EXPERIMENTS_PROJECTION,
    query: ExperimentsQuery,
    list: listExperiments,
    scope: (filter) => filter,
    middleware: [enabled],
  });

  group.route({
    method: "post",
    path: "/experiments",
    operationId: "createChaosExperiment",
    summary:
      "Create an experiment: steady-state hypothesis, method, rollbacks (not started)",
    request: {
      body: { schema: CreateExperimentBody },
      headers: ["Idempotency-Key"],
    },
    responses: {
      201: {
        description: "Created",
        body: ExperimentRep,
        headers: ["Location", "X-TMS-Position"],
      },
    },
    problems: [...PROBLEMS, 400, 409, 422],
  }, async (c, { body }) => {
    const id = await newId(c, CHAOS_EXPERIMENT);
    const definition: ExperimentDefinition = {
      title: body.title,
      description: body.description ?? null,
      hypothesis: body.hypothesis,
      method: body.method.map(methodFault),
      rollbacks: body.rollbacks,
      autoRollback: body.autoRollback,
      maxDurationS: body.maxDurationS ?? null,
    };
    const result = await supervisor().create(
      id,
      { definition, force: body.force, by: by(c) },
      askOptions(c, "chaos.create"),
    );
    c.header("X-TMS-Position", String(result.position));
    c.header("Location", `${apiBase(c)}/chaos/experiments/${id}`);
    return reply(c, ExperimentRep, await view(c, id), 201);
  }, [enabled]);

  group.route({
    method: "get",
    path: "/experiments/:id",
    operationId: "getChaosExperiment",
    summary: "An experiment with its journal (read from its events)",
    responses: { 200: { description: "The experiment", body: ExperimentRep } },
    problems: [...PROBLEMS, 404],
  }, async (c) => {
    return reply(
      c,
      ExperimentRep,
      await view(c, requireId(c, "experiment")),
    );
  }, [enabled]);

  group.route({
    method: "post",
    path: "/experiments/:id/start",
    operationId: "startChaosExperiment",
    summary:
      "Start an experiment on this node (409 while another runs on its targets)",
    responses: {
      200: { description: "Started: it runs on", body: ExperimentRep },
    },
    problems: [...PROBLEMS, 404, 409],
  }, async (c) => {
    const id = requireId(c, "experiment");
    await supervisor().start(id, by(c), askOptions(c, "chaos.start"));
    return reply(c, ExperimentRep, await view(c, id));
  }, [enabled]);

  group.route({
    method: "post",
    path: "/experiments/:id/stop",
    operationId: "stopChaosExperiment",
    summary: "Stop a running experiment: it aborts and rolls back",
    responses: {
      200: { description: "Stopped and rolled back", body: ExperimentRep },
    },
    problems: [...PROBLEMS, 404, 409],
  }, async (c) => {
    const id = requireId(c, "experiment");
    await supervisor().stop(id, by(c));
    return reply(c, ExperimentRep, await view(c, id));
  }, [enabled]);

  group.route(
    {
      method: "get",
      path: "/safety/status",
      operationId: "getChaosSafetyStatus",
      summary:
        "Active faults and experiments per node, and the last emergency stop",
      responses: { 200: { description: "Per node", body: StatusRep } },
      problems: PROBLEMS,
    },
    async (c) => reply(c, StatusRep, await supervisor().status()),
    [enabled],
  );

  group.route({
    method: "post",
    path: "/safety/emergency-stop",
    operationId: "chaosEmergencyStop",
    summary:
      "Clear every fault on every node and abort every experiment, each node confirming",
    description:
      "Acts without the event log (it works while the log is the thing failing) and is recorded once the log is back.",
    responses: { 200: { description: "What each node did", body: StopRep } },
    problems: PROBLEMS,
  }, async (c) => {
    return reply(c, StopRep, await supervisor().emergencyStop(by(c)));
  }, [enabled]);

  return group;
}
