/**
 * `/api/v<n>/autoscale` (ADMIN): the autoscale supervisor's status, its
 * forecast, recommendations and anomalies (answered by the active
 * supervisor, asked over NATS from any node), the decision log and the
 * cost (read from its stream), and a manual scale.
 */
import { AutoscaleNode } from "../actors/supervisors/autoscale/mod.ts";
import type { AutoscaleApi } from "../actors/supervisors/autoscale/mod.ts";
import { defaultPolicyConfig } from "../runtime/autoscale/mod.ts";
import {
  AnomaliesView,
  AutoscaleStatusView,
  CostQuery,
  CostView,
  DecisionLogItemView,
  DecisionsQuery,
  ManualScaleBody,
  ManualScaleView,
  PredictionsQuery,
  PredictionsView,
  RecommendationsView,
} from "../schemas/mod.ts";
import { principal } from "./auth.ts";
import type { EdgeDeps } from "./context.ts";
import { page, plain, reply, versionOf } from "./representation.ts";
import { RouteGroup } from "./route.ts";
import type { ProblemStatus } from "./route.ts";

const StatusRep = plain<unknown>("AutoscaleStatus", AutoscaleStatusView);
const PredictionsRep = plain<unknown>("AutoscalePredictions", PredictionsView);
const RecommendationsRep = plain<unknown>(
  "AutoscaleRecommendations",
  RecommendationsView,
);
const DecisionPage = page(
  "AutoscaleDecisionPage",
  plain<unknown>("AutoscaleDecision", DecisionLogItemView),
);
const ScaleRep = plain<unknown>("AutoscaleManualScale", ManualScaleView);
const AnomaliesRep = plain<unknown>("AutoscaleAnomalies", AnomaliesView);
const CostRep = plain<unknown>("AutoscaleCost", CostView);

/** Problems of a read the active supervisor answers. */
const SUPERVISOR_PROBLEMS: ProblemStatus[] = [401, 403, 409, 422, 503];

/** Routes of `/api/v<n>/autoscale`. */
export function autoscaleRoutes(deps: EdgeDeps): RouteGroup {
  // Without an autoscaler (tests, tools), one that is off: it still reads the log.
  const api: AutoscaleApi = deps.autoscale ?? AutoscaleNode.off({
    client: deps.client ?? deps.system,
    log: deps.system.log,
    policy: defaultPolicyConfig(),
  });
  const group = new RouteGroup({
    tag: "Autoscale",
    description:
      "The autoscale supervisor: status, forecast, recommendations, the decision log, anomalies, cost and a manual scale (ADMIN)",
    base: "/autoscale",
    versioned: true,
  });
  group.route({
    method: "get",
    path: "/status",
    operationId: "getAutoscaleStatus",
    summary:
      "Mode, replicas, each node's latest sample, the last decision with its reasons, the forecast's error",
    responses: { 200: { description: "The status", body: StatusRep } },
    problems: [401, 403, 503],
  }, async (c) => reply(c, StatusRep, await api.status()));

  group.route(
    {
      method: "get",
      path: "/predictions",
      operationId: "getAutoscalePredictions",
      summary: "The command rate forecast (Holt-Winters) up to `horizon` ahead",
      request: { query: PredictionsQuery },
      responses: {
        200: { description: "The forecast", body: PredictionsRep },
      },
      problems: SUPERVISOR_PROBLEMS,
    },
    async (c, { query }) =>
      reply(c, PredictionsRep, await api.predictions(query.horizon)),
  );

  group.route({
    method: "get",
    path: "/recommendations",
    operationId: "getAutoscaleRecommendations",
    summary:
      "What the policy recommends now, and the recommendations its stabilization window holds",
    responses: {
      200: { description: "The recommendation", body: RecommendationsRep },
    },
    problems: SUPERVISOR_PROBLEMS,
  }, async (c) => reply(c, RecommendationsRep, await api.recommendations()));

  group.route({
    method: "get",
    path: "/decisions",
    operationId: "listAutoscaleDecisions",
    summary:
      "The decision log, newest first: decisions with their inputs, actions with their outcomes, manual scales",
    request: { query: DecisionsQuery },
    responses: {
      200: { description: "A page of the log", body: DecisionPage },
    },
    problems: [401, 403, 422, 503],
  }, async (c, { query }) => {
    const result = await api.decisions({
      before: query.cursor ? Number(query.cursor) : undefined,
      limit: query.limit,
    });
    return reply(c, DecisionPage, { ...result, total: null });
  });

  group.route({
    method: "post",
    path: "/scale",
    operationId: "scaleManually",
    summary:
      "Set the replica count by hand (recorded; automatic actions wait for the cooldown and the stabilization window)",
    description:
      "Checked and recorded (`autoscale.manual_scaled`), then acted on in the background: the status shows `actuating`, the decision log `autoscale.scaled` or `autoscale.failed`. 409 when the autoscaler is off or has no actuator.",
    request: { body: { schema: ManualScaleBody } },
    responses: {
      202: { description: "Recorded; the actuator is at work", body: ScaleRep },
    },
    problems: [400, 401, 403, 409, 422, 503],
  }, async (c, { body }) => {
    const result = await api.scale({
      replicas: body.replicas,
      reason: body.reason,
      by: principal(c).subject,
    });
    return c.json(
      ScaleRep.render(c, versionOf(c), result) as object,
      202,
    );
  });

  group.route({
    method: "get",
    path: "/anomalies",
    operationId: "listAutoscaleAnomalies",
    summary:
      "Samples far outside their band (the command rate against its forecast), newest first",
    responses: { 200: { description: "The anomalies", body: AnomaliesRep } },
    problems: [401, 403, 503],
  }, async (c) => {
    const items = (await api.anomalies()).map((a) => ({
      ...a,
      at: new Date(a.at).toISOString(),
    }));
    return reply(c, AnomaliesRep, { items });
  });

  group.route({
    method: "get",
    path: "/cost",
    operationId: "getAutoscaleCost",
    summary:
      "Node-hours used over a period against a static cluster sized for its peak",
    request: { query: CostQuery },
    responses: { 200: { description: "The cost", body: CostRep } },
    problems: [401, 403, 422, 503],
  }, async (c, { query }) => {
    const to = query.to ? Date.parse(query.to) : Date.now();
    return reply(
      c,
      CostRep,
      await api.cost({ from: to - query.period, to }),
    );
  });

  return group;
}
