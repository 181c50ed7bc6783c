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
