export { CountingHasher } from "./counting_hasher.ts";
export { deciderSpec } from "./decider_spec.ts";
export { Feed, projectionSpec } from "./projection_spec.ts";
export { NatsCluster, NatsServer } from "./nats_server.ts";
export { freePort } from "../../ops/server_process.ts";
export type { NatsClusterOptions, NatsServerOptions } from "./nats_server.ts";
