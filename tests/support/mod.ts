export { deciderSpec } from "./decider_spec.ts";
export { NatsCluster, NatsServer } from "../../ops/nats_server.ts";
export { freePort } from "../../ops/server_process.ts";
export type {
  NatsClusterOptions,
  NatsServerOptions,
} from "../../ops/nats_server.ts";
