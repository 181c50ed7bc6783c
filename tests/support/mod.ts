export { deciderSpec } from "./decider_spec.ts";
export { freePort, NatsCluster, NatsServer } from "./nats_server.ts";
export type { NatsClusterOptions, NatsServerOptions } from "./nats_server.ts";
