/**
 * Bodies and views of the chaos supervisor's API, and the data of its
 * events: a fault (kind, selector, parameters, duration), a probe of the
 * steady-state hypothesis, an experiment, and what the supervisor answers.
 * Fault parameters are checked against the kind's spec
 * (`GET /api/v<n>/chaos/faults/types`) by the supervisor, with a 422 that
 * names the parameter.
 */
import { z } from "../deps.ts";
import { FaultKinds } from "../runtime/chaos/mod.ts";
import {
  AbortReasons,
  ExperimentStatus,
  Outcomes,
  ProbePhases,
  ProbeTypes,
  RollbackTypes,
} from "../actors/supervisors/chaos/mod.ts";

const values = <T extends Record<string, string>>(o: T) =>
  Object.values(o) as [T[keyof T], ...T[keyof T][]];

const name = z.string().regex(/^[\w.:=-]{1,100}$/, "Letters, digits, _.:=-");

/** The blast radius of a fault: where it acts. Absent fields select all. */
export const FaultSelectorBody = z.strictObject({
  nodes: z.array(name).min(1).max(100).optional().describe(
    "Node ids (TMS_NODE_ID) that hold the fault",
  ),
  aggregateTypes: z.array(z.string().regex(/^[a-z_]{1,64}$/)).min(1).max(50)
    .optional().describe("Actor types it reaches"),
  shards: z.array(z.number().int().min(0).max(4095)).min(1).max(4096)
    .optional().describe("Shards it reaches"),
  projections: z.array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/)).min(1)
    .max(50).optional().describe("Projections a projection_pause holds"),
  percent: z.number().gt(0).max(100).optional().describe(
    "Share of the scope's units (actors, requests, queries, projections), picked by a stable hash",
  ),
});

/** One fault: its kind, selector, parameters and (mandatory) duration. */
export const FaultBody = z.strictObject({
  kind: z.enum(values(FaultKinds)),
  selector: FaultSelectorBody.default({}),
  params: z.record(
    z.string(),
    z.union([z.number(), z.boolean(), z.string(), z.array(z.string())]),
  ).default({}).describe("See GET /chaos/faults/types; defaults filled in"),
  durationS: z.number().gt(0).describe(
    "Mandatory: the fault expires by itself after it",
  ),
  afterS: z.number().min(0).default(0).describe(
    "In an experiment: seconds after the method starts",
  ),
});

/** `POST /chaos/faults/inject`. */
export const InjectFaultBody = FaultBody.omit({ afterS: true }).extend({
  force: z.boolean().default(false).describe(
    "Inject above the blast-radius limit (ADMIN; recorded)",
  ),
});

/** One probe of the steady-state hypothesis. */
export const ProbeBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  type: z.enum(values(ProbeTypes)),
  tolerance: z.number().default(0).describe(
    "error_rate: most share (0–1); command_latency_p99 and projection_lag: most ms; readiness: unused",
  ),
  windowS: z.number().int().min(1).max(600).default(5),
  phases: z.array(z.enum(values(ProbePhases))).min(1).default([
    "before",
    "during",
    "after",
  ]),
});

/** `POST /chaos/experiments`: an experiment after the Chaos Toolkit's model. */
export const CreateExperimentBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullish(),
  hypothesis: z.strictObject({
    probes: z.array(ProbeBody).max(20).default([]),
    recoveryS: z.number().min(0).max(3600).default(0).describe(
      "How long the after-phase may take to pass again",
    ),
  }).default({ probes: [], recoveryS: 0 }),
  method: z.array(FaultBody).min(1).max(20),
  rollbacks: z.array(z.enum(values(RollbackTypes))).default([
    "clear_faults",
  ]),
  autoRollback: z.boolean().default(true),
  maxDurationS: z.number().gt(0).nullish().describe(
    "At most the node's TMS_CHAOS_MAX_DURATION_S",
  ),
  force: z.boolean().default(false).describe(
    "Create above the blast-radius limit (ADMIN; recorded)",
  ),
});

/** A fault as stored in an event. */
export const MethodFaultView = z.object({
  kind: z.enum(values(FaultKinds)),
  selector: FaultSelectorBody,
  params: z.record(z.string(), z.unknown()),
  afterS: z.number(),
  durationS: z.number(),
});

/** An experiment's definition as stored. */
export const ExperimentDefinitionView = z.object({
  title: z.string(),
  description: z.string().nullable(),
  hypothesis: z.object({
    probes: z.array(ProbeBody),
    recoveryS: z.number(),
  }),
  method: z.array(MethodFaultView),
  rollbacks: z.array(z.enum(values(RollbackTypes))),
  autoRollback: z.boolean(),
  maxDurationS: z.number().nullable(),
});

/** One probe's measure judged. */
export const ProbeResultView = z.object({
  probe: z.string(),
  value: z.number().nullable(),
  tolerance: z.number(),
  ok: z.boolean(),
});

/** An experiment's state. */
export const ExperimentStateView = z.object({
  status: z.enum(values(ExperimentStatus)),
  definition: ExperimentDefinitionView,
  blastRadius: z.number(),
  forced: z.boolean(),
  maxDurationS: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  startedOn: z.string().nullable(),
  faultsInjected: z.number().int(),
  probeChecks: z.number().int(),
  deviations: z.number().int(),
  hypothesisBefore: z.boolean().nullable(),
  hypothesisAfter: z.boolean().nullable(),
  abortReason: z.enum(values(AbortReasons)).nullable(),
  rolledBackAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  outcome: z.enum(values(Outcomes)).nullable(),
});

/** `GET /chaos/experiments/:id`: the state, and the journal from its stream. */
export const ExperimentView = z.object({
  id: z.string(),
  version: z.number().int(),
  state: ExperimentStateView,
  journal: z.looseObject({
    status: z.string(),
    deviated: z.boolean(),
    start: z.string().nullable(),
    end: z.string().nullable(),
    duration: z.number().nullable(),
  }).describe("Chaos-Toolkit-style journal, a fold of the experiment's events"),
});

/** An experiment in the list. */
export const ExperimentListItemView = z.object({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  status: z.enum(values(ExperimentStatus)),
  outcome: z.enum(values(Outcomes)).nullable(),
  abortReason: z.enum(values(AbortReasons)).nullable(),
  blastRadius: z.number(),
  forced: z.boolean(),
  faults: z.number().int(),
  deviations: z.number().int(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});

/** A fault kind with its parameters. */
export const FaultTypeView = z.object({
  kind: z.string(),
  seam: z.string(),
  scope: z.string(),
  description: z.string(),
  params: z.record(z.string(), z.looseObject({ type: z.string() })),
});

/** An active fault on a node. */
export const ActiveFaultView = z.object({
  id: z.string(),
  kind: z.string(),
  selector: FaultSelectorBody,
  params: z.record(z.string(), z.unknown()),
  startedAt: z.number().describe("Epoch ms"),
  expiresAt: z.number().describe("Epoch ms"),
  experimentId: z.string().nullable(),
});

/** What an ad hoc injection did. */
export const AdhocReportView = z.object({
  faultId: z.string(),
  blastRadius: z.number(),
  forced: z.boolean(),
  expiresAt: z.string(),
  nodes: z.array(z.string()).describe("Nodes that hold it"),
  missing: z.array(z.string()).describe("Live nodes that did not answer"),
});

const lastStop = z.object({
  id: z.string(),
  by: z.string(),
  at: z.string(),
  node: z.string(),
  cleared: z.number().int(),
  actedAt: z.string(),
}).nullable();

/** `GET /chaos/safety/status`. */
export const SafetyStatusView = z.object({
  node: z.string(),
  settings: z.object({
    enabled: z.boolean(),
    maxDurationS: z.number(),
    blastRadiusLimit: z.number(),
  }),
  nodes: z.array(z.object({
    node: z.string(),
    faults: z.array(ActiveFaultView),
    experiments: z.array(z.object({
      id: z.string(),
      title: z.string(),
      targets: z.union([z.array(z.string()), z.literal("all")]),
      startedAt: z.string(),
      maxDurationMs: z.number(),
    })),
    lastStop,
  })),
  missing: z.array(z.string()),
  lastStop,
});

/** `POST /chaos/safety/emergency-stop`. */
export const StopReportView = z.object({
  stopId: z.string(),
  by: z.string(),
  at: z.string(),
  nodes: z.array(z.object({
    node: z.string(),
    cleared: z.number().int(),
    ms: z.number().nullable(),
  })),
  missing: z.array(z.string()),
  durationMs: z.number(),
});
