/** Requests and answers of `/api/v<n>/autoscale`. */
import { z } from "../deps.ts";

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration such as `90s`, `30m`, `24h` or `7d`, in ms, from `min` to `max`. */
export function duration(min: number, max: number) {
  return z.string().regex(
    /^\d{1,6}[smhd]$/,
    "Must be a duration such as 90s, 30m, 24h or 7d",
  ).transform((text) => Number(text.slice(0, -1)) * UNITS[text.at(-1)!])
    .refine(
      (ms) => ms >= min && ms <= max,
      `Must be from ${min / 1000} s to ${max / 86_400_000} days`,
    );
}

/** Body of `POST /autoscale/scale`. */
export const ManualScaleBody = z.strictObject({
  replicas: z.number().int().min(0).describe(
    "Replicas to run, within the autoscaler's min and max",
  ),
  reason: z.string().trim().min(1).max(500).describe(
    "Why (recorded in the decision log)",
  ),
});

/** Query of `GET /autoscale/predictions`. */
export const PredictionsQuery = z.strictObject({
  horizon: duration(1000, 7 * 86_400_000).default(30 * 60_000).describe(
    "How far ahead (default 30m)",
  ),
});

/** Query of `GET /autoscale/decisions`. */
export const DecisionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^[1-9]\d{0,15}$/, "Not a cursor this list gave out")
    .optional(),
});

/** Query of `GET /autoscale/cost`. */
export const CostQuery = z.strictObject({
  period: duration(60_000, 90 * 86_400_000).default(86_400_000).describe(
    "The period ending at `to` (default 24h)",
  ),
  to: z.iso.datetime({ offset: true }).optional().describe(
    "End of the period (default now)",
  ),
});

/** What one metric asked for in a decision. */
export const MetricReasonView = z.object({
  metric: z.string(),
  value: z.number(),
  target: z.number(),
  ratio: z.number(),
  replicas: z.number().int(),
  withinTolerance: z.boolean(),
});

/** What the forecast did in a decision. */
export const ForecastReasonView = z.object({
  rate: z.number().nullable(),
  currentRate: z.number(),
  horizonMs: z.number(),
  mape: z.number().nullable(),
  replicas: z.number().int().nullable(),
  used: z.boolean(),
  note: z.string().nullable(),
});

/** One decision: the replicas, what each metric asked for, the forecast, limits and hold. */
export const DecisionView = z.object({
  at: z.number().describe("Epoch ms"),
  current: z.number().int(),
  desired: z.number().int(),
  recommendation: z.number().int(),
  action: z.enum(["scale_up", "scale_down", "hold"]),
  reasons: z.array(MetricReasonView),
  forecast: ForecastReasonView.nullable(),
  held: z.string().nullable(),
  limits: z.array(z.string()),
});

/** `GET /autoscale/status`. */
export const AutoscaleStatusView = z.looseObject({
  mode: z.enum(["off", "recommend", "on"]),
  active: z.boolean().describe("False when off"),
  supervisor: z.string().optional().describe(
    "The node whose supervisor is active",
  ),
  actuator: z.string().nullable().optional(),
  replicas: z.number().int().nullable().optional(),
  desired: z.number().int().nullable().optional(),
  minReplicas: z.number().int(),
  maxReplicas: z.number().int(),
  targets: z.record(z.string(), z.number()).optional(),
  nodes: z.array(z.looseObject({ node: z.string(), at: z.number() }))
    .optional().describe("Each node's latest sample"),
  staleNodes: z.array(z.string()).optional(),
  lastDecision: DecisionView.nullable().optional(),
  forecast: z.looseObject({
    mape: z.number().nullable(),
    points: z.number().int(),
    trusted: z.boolean(),
  }).optional().describe("The forecast's error over the last hour"),
  manualHoldUntil: z.string().nullable().optional(),
  lastActionAt: z.string().nullable().optional(),
  actuating: z.boolean().optional(),
});

/** `GET /autoscale/predictions`. */
export const PredictionsView = z.object({
  at: z.string(),
  intervalMs: z.number(),
  horizonMs: z.number(),
  currentRate: z.number(),
  accuracy: z.looseObject({ mape: z.number().nullable(), points: z.number() }),
  points: z.array(z.object({
    at: z.string(),
    rate: z.number(),
    low: z.number(),
    high: z.number(),
  })).describe("The command rate forecast (commands/s) with its band"),
});

/** `GET /autoscale/recommendations`. */
export const RecommendationsView = z.object({
  decision: DecisionView.nullable(),
  window: z.array(z.object({ at: z.string(), replicas: z.number().int() }))
    .describe("Recommendations in the stabilization window"),
});

/** One event of the decision log. */
export const DecisionLogItemView = z.object({
  version: z.number().int(),
  position: z.number().int(),
  type: z.string(),
  at: z.string(),
  data: z.looseObject({}),
});

/** `POST /autoscale/scale`. */
export const ManualScaleView = z.object({
  from: z.number().int(),
  to: z.number().int(),
  holdUntil: z.string().describe("Automatic actions wait until then"),
});

/** `GET /autoscale/anomalies`. */
export const AnomaliesView = z.object({
  items: z.array(z.object({
    at: z.string(),
    metric: z.string(),
    value: z.number(),
    expected: z.number(),
    low: z.number(),
    high: z.number(),
  })),
});

/** `GET /autoscale/cost`. */
export const CostView = z.object({
  from: z.string(),
  to: z.string(),
  knownFrom: z.string().nullable(),
  hours: z.number(),
  nodeHours: z.number(),
  peakReplicas: z.number().int(),
  staticNodeHours: z.number(),
  savedNodeHours: z.number(),
  savedPercent: z.number(),
  actions: z.number().int(),
});
