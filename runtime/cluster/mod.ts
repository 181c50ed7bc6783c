/**
 * @module cluster
 *
 * Distributed mode: 64 shards (stable hash of `type:id`), leased per node in
 * the `tms_placement` KV bucket (`shard.<n>` → holder, revision-checked,
 * renewed at TTL/3; `node.<id>` heartbeats), gradual join, graceful hand-over
 * and crash take-over; `shardMap()` shows who holds each shard, the age of
 * its lease and the moves this node saw. `ClusterRouter` is an `ActorClient` that runs asks on
 * the local `ActorSystem` when this node owns the shard and forwards them
 * over `tms.rpc.<shard>` otherwise, with typed errors through the core codec;
 * no owner answers `UnavailableError` (503 + `Retry-After`). The fence is the
 * log's expected-sequence append, never the lease alone. `ClusterNode` ties
 * placement and router to one node's lifecycle.
 *
 * Imports `core`, `actor`, `nats`.
 */
export {
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_SHARDS,
  openPlacementBucket,
  ReleaseReasons,
  shardOf,
  ShardPlacement,
} from "./placement.ts";
export type {
  PlacementStatus,
  ReleaseReason,
  ShardHandler,
  ShardLeaseView,
  ShardMap,
  ShardMove,
  ShardPlacementOptions,
} from "./placement.ts";
export { ClusterRouter } from "./router.ts";
export type {
  ClusterRouterOptions,
  RouterStats,
  ShardOwnership,
} from "./router.ts";
export { ClusterNode } from "./node.ts";
export type { ClusterNodeOptions, ClusterReadiness } from "./node.ts";
