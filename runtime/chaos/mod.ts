/**
 * @module chaos
 *
 * Fault injection inside the runtime. A `FaultRegistry` holds the faults of
 * one node — each with a kind, a target selector (nodes, aggregate types,
 * shards, projections, a percent of the scope's units chosen by a stable
 * hash, so the same actor stays in or out), parameters checked against
 * `FAULT_TYPES`, and a mandatory duration after which it expires by itself
 * — and keeps its seams current. A seam costs one check (`armed`) while no
 * fault of its kinds is active:
 *
 * - `ChaosEventLog`: `log_latency`, `log_error` (also after the write
 *   landed), `log_outage`, `disk_full` — failures are `UnavailableError`,
 *   503 with `Retry-After` at the edge, never 500;
 * - the actor system's `ActorFaults` (`ActorSeam`): `actor_crash` (before
 *   the append or after it landed; supervision restarts the actor from the
 *   log) and `mailbox_delay`;
 * - the projection engine's `ProjectionFaults` (`ProjectionSeam`):
 *   `projection_pause`;
 * - `ChaosSqlStore`: `database_slow`; `ChaosFileStore`: `disk_full`;
 * - the HTTP edge (`EdgeSeam`, read by `http/`'s middleware):
 *   `network_latency`, `service_unavailable`;
 * - `ChaosNatsProxy`: `nats_disconnect` cuts the node's data connection;
 * - `ProcessFaults`: `cpu_stress` (workers, `cpu_worker.ts`),
 *   `memory_leak` (bounded, released) and `node_kill`.
 *
 * The control plane (`ChaosAgent`, `LocalChaosControl`,
 * `NatsChaosControl`) carries orders to every node on `tms.chaos.stop`,
 * `tms.chaos.faults`, `tms.chaos.status` and `tms.chaos.abort` (names in
 * `core/names.ts`), each node replying; it acts on registries only, never
 * on the event log, so an emergency stop works while the log is down.
 * `chaosMetrics` renders `tms_chaos_*` for `/metrics`.
 *
 * Imports `core`, `telemetry`; types of `sql`, `storage` and the NATS client.
 */
export {
  ClearReasons,
  FAULT_TYPES,
  FaultKinds,
  FaultScopes,
  faultType,
} from "./types.ts";
export type {
  ActiveFault,
  ClearReason,
  FaultKind,
  FaultParams,
  FaultParamSpec,
  FaultScope,
  FaultSelector,
  FaultSpec,
  FaultTypeSpec,
  LogOperation,
} from "./types.ts";
export {
  blastRadius,
  checkFaultSpec,
  inPercent,
  onNode,
  selects,
  stableHash,
} from "./selector.ts";
export type { FaultTarget } from "./selector.ts";
export {
  ActorCrash,
  ActorSeam,
  EdgeSeam,
  ProjectionSeam,
  Seam,
  SqlSeam,
} from "./seam.ts";
export type { EdgeFault } from "./seam.ts";
export { DEFAULT_MAX_DURATION_MS, FaultRegistry } from "./registry.ts";
export type {
  FaultChange,
  FaultOrder,
  FaultRegistryOptions,
} from "./registry.ts";
export { ChaosEventLog } from "./event_log.ts";
export { ChaosFileStore, ChaosSqlStore } from "./stores.ts";
export { ProcessFaults } from "./process_faults.ts";
export type { ProcessFaultsOptions } from "./process_faults.ts";
export { ChaosNatsProxy } from "./nats_proxy.ts";
export { ChaosAgent, LocalChaosControl, NatsChaosControl } from "./control.ts";
export type {
  AgentHooks,
  ChaosControl,
  ControlMessage,
  ControlReply,
  Gathered,
  LastStop,
  NodeChaosStatus,
  RunningExperiment,
  StopOrder,
} from "./control.ts";
export { chaosMetrics } from "./metrics.ts";
