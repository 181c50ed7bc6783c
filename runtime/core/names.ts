/**
 * Subjects, bucket keys and header names of TMS, defined once. Nothing else
 * spells them. (The Deno KV key layout of the event log is the KV log's own:
 * `log/kv/layout.ts`.)
 */

/** JetStream names of the distributed event log. */
export const JetStreamNames = {
  stream: "TMS_EVENTS",
  subjectPrefix: "tms.evt",
  snapshots: "tms_snapshots",
  placement: "tms_placement",
  files: "tms_files",
  keys: "tms_keys",
  deadLetters: "tms_dead_letters",
  /** Access-token signing keys (`AuthKeyNames.bucketKey`). */
  authKeys: "tms_auth_keys",
  /** Single-use tickets of realtime connections (`/api/v1/stream/tickets`). */
  streamTickets: "tms_stream_tickets",
  rpcPrefix: "tms.rpc",
} as const;

/**
 * The chaos control plane: requests every chaos-enabled node answers (each
 * with its own reply, gathered by the asker), on a NATS connection of its
 * own so that a cut data connection does not silence it.
 */
export const ChaosSubjects = {
  /** Emergency stop: clear every fault, abort every experiment. */
  stop: "tms.chaos.stop",
  /** Hold a fault, or clear faults (by id or experiment). */
  faults: "tms.chaos.faults",
  /** Each node's active faults, running experiments and last stop. */
  status: "tms.chaos.status",
  /** Abort one running experiment wherever it runs. */
  abort: "tms.chaos.abort",
} as const;

/**
 * Files of the chaos supervisor under `$TMS_DATA_DIR`: `chaos_restart_at`
 * holds the epoch ms before which the local cluster must not start a node
 * that `node_kill` took down.
 */
export const ChaosFiles = {
  restartMarker: "chaos_restart_at",
} as const;

/** Message headers of a commit. */
export const Headers = {
  /** JetStream dedup id of a commit: `commitMsgId(type, id, version)`. */
  msgId: "Nats-Msg-Id",
  expectedLastSubjectSequence: "Nats-Expected-Last-Subject-Sequence",
  eventTypes: "Tms-Event-Types",
  correlationId: "Tms-Correlation-Id",
  causationId: "Tms-Causation-Id",
  traceparent: "traceparent",
  /** The command that produced the commit (its idempotency key). */
  commandId: "Tms-Command-Id",
  /** Version of the stream after the commit (recovers version ↔ sequence). */
  version: "Tms-Version",
  /** Epoch ms when the writer accepted the commit. */
  timestamp: "Tms-Timestamp",
} as const;

/**
 * Headers of a forwarded ask on `tms.rpc.<shard>`: the W3C trace context of
 * the forwarding span, so the owner continues the caller's trace. Sent only
 * while tracing is on.
 */
export const RpcHeaders = {
  traceparent: "traceparent",
  tracestate: "tracestate",
} as const;

/** HTTP headers of the edge. */
export const HttpHeaders = {
  position: "X-TMS-Position",
  minPosition: "X-TMS-Min-Position",
  idempotencyKey: "Idempotency-Key",
  ifMatch: "If-Match",
  etag: "ETag",
  retryAfter: "Retry-After",
  requestId: "X-Request-Id",
  /** draft-ietf-httpapi-ratelimit-headers-11: the quota policies. */
  rateLimitPolicy: "RateLimit-Policy",
  /** draft-ietf-httpapi-ratelimit-headers-11: what is left of each. */
  rateLimit: "RateLimit",
  /** The API version that served an answer (or that a request asks for). */
  apiVersion: "X-API-Version",
  /** RFC 9745: when the version of an answer was deprecated. */
  deprecation: "Deprecation",
  /** RFC 8594: when the version of an answer stops being served. */
  sunset: "Sunset",
  /** Server-sent events: the id of the last message a client got. */
  lastEventId: "Last-Event-ID",
} as const;

/**
 * JetStream dedup id of one commit, `<type>.<id>@<version>`: unique per stream
 * version, so concurrent writers of one version collide even where a clustered
 * server does not serialise `Nats-Expected-Last-Subject-Sequence`
 * (nats-server#4320, seen on 2.9.10).
 */
export function commitMsgId(type: string, id: string, version: number): string {
  return `${type}.${id}@${version}`;
}

/** Subject of one aggregate's stream: `tms.evt.<type>.<id>`. */
export function eventSubject(type: string, id: string): string {
  return `${JetStreamNames.subjectPrefix}.${type}.${id}`;
}

/** Subject on which the owner of `shard` answers remote asks: `tms.rpc.<shard>`. */
export function rpcSubject(shard: number): string {
  return `${JetStreamNames.rpcPrefix}.${shard}`;
}

/** Keys of the `tms_placement` bucket: shard leases and node heartbeats. */
export const PlacementKeys = {
  /** Lease of one shard: `shard.<n>`. */
  shard: (shard: number): string => `shard.${shard}`,
  /** Heartbeat of one node: `node.<nodeId>`. */
  node: (nodeId: string): string => `node.${nodeId}`,
  /** Prefix of the heartbeat keys. */
  nodePrefix: "node.",
} as const;

/**
 * Keys of the dead-letter store: in the `tms_dead_letters` bucket one key per
 * letter (its id, `cmd-<hex>` / `prj-<hex>`); in the embedded Deno KV file
 * `["dead_letter", id]` per letter and `["dead_letter_meta", "changes"]`, a
 * counter every write adds to (the change mark the nodes poll).
 */
export const DeadLetterKeys = {
  /** Bucket key of one letter. */
  bucket: (id: string): string => id,
  /** Deno KV key of one letter. */
  kv: (id: string): [string, string] => ["dead_letter", id],
  /** Deno KV prefix of all letters. */
  kvPrefix: ["dead_letter"] as const,
  /** Deno KV counter of changes. */
  kvChanges: ["dead_letter_meta", "changes"] as const,
  /** File of the embedded store under `$TMS_DATA_DIR`. */
  kvFile: "deadletters.kv",
} as const;

/**
 * Where the access-token key set lives: one value (`keyset`) in the
 * `tms_auth_keys` bucket in distributed mode; one owner-only JSON file
 * (`auth_keys.json`, with its lock file beside it) under `$TMS_DATA_DIR`
 * embedded.
 */
export const AuthKeyNames = {
  /** Bucket key of the key set. */
  bucketKey: "keyset",
  /** File of the embedded key set under `$TMS_DATA_DIR`. */
  file: "auth_keys.json",
  /** Suffix of its lock file (`auth_keys.json.lock`). */
  lockSuffix: ".lock",
} as const;

/**
 * The integration contract on NATS: stream `TMS_INTEGRATION` on
 * `tms.int.<bedriftId>.<aggregate>.<event>`, one CloudEvent per message
 * (`ce-type` `no.tms.<aggregate>.<event>.v<major>`).
 */
export const IntegrationNames = {
  stream: "TMS_INTEGRATION",
  subjectPrefix: "tms.int",
  typePrefix: "no.tms",
} as const;

/**
 * NATS headers of an integration message: a CloudEvent 1.0 in binary mode
 * (attributes as `ce-` headers, the data as the body), plus the dedup id and
 * the trace context of the commit it came from.
 */
export const CloudEventHeaders = {
  specversion: "ce-specversion",
  id: "ce-id",
  source: "ce-source",
  type: "ce-type",
  subject: "ce-subject",
  time: "ce-time",
  dataschema: "ce-dataschema",
  /** Extension attribute: the bedrift (tenant) the event belongs to. */
  tenant: "ce-bedriftid",
  contentType: "content-type",
  traceparent: "traceparent",
  msgId: "Nats-Msg-Id",
} as const;

/**
 * One token of a NATS subject made of an id: characters a subject token
 * cannot hold (`.`, `*`, `>`, white space) and `%` are percent-encoded, so
 * any id makes exactly one token and two ids never make the same one.
 */
export function subjectToken(value: string): string {
  if (value === "") throw new RangeError("A subject token cannot be empty");
  return value.replace(
    /[.*>%\s]/gu,
    (ch) =>
      [...new TextEncoder().encode(ch)].map((b) =>
        `%${b.toString(16).toUpperCase().padStart(2, "0")}`
      ).join(""),
  );
}

/** Subject of one integration event: `tms.int.<tenant>.<aggregate>.<event>`. */
export function integrationSubject(
  tenant: string,
  aggregate: string,
  event: string,
): string {
  return `${IntegrationNames.subjectPrefix}.${subjectToken(tenant)}.${
    subjectToken(aggregate)
  }.${subjectToken(event)}`;
}

/** `ce-type` of an integration event: `no.tms.<aggregate>.<event>.v<major>`. */
export function integrationType(
  aggregate: string,
  event: string,
  major: number,
): string {
  return `${IntegrationNames.typePrefix}.${aggregate}.${event}.v${major}`;
}

/**
 * Where consumers of the feed other than the projections keep their state
 * beside the log (`FeedCheckpoints`): embedded in the node's `events.kv`
 * under `["checkpoint", name]`; distributed in the JetStream KV bucket
 * `tms_consumers` (`checkpoint.<name>`, and the consumer's lease
 * `lease.<name>`).
 */
export const FeedConsumerKeys = {
  bucket: "tms_consumers",
  checkpoint: (name: string): string => `checkpoint.${name}`,
  checkpointPrefix: "checkpoint.",
  lease: (name: string): string => `lease.${name}`,
  kvCheckpoint: (name: string): [string, string] => ["checkpoint", name],
  kvCheckpointPrefix: ["checkpoint"] as const,
} as const;

/**
 * Leases of the cluster's singleton supervisors: the KV bucket
 * `tms_supervisors`, one key per supervisor (`autoscale`), holding the node
 * that runs it (revision-checked, TTL like the shard leases).
 */
export const SupervisorKeys = {
  /** The bucket of supervisor leases. */
  bucket: "tms_supervisors",
  /** The autoscale supervisor's lease. */
  autoscale: "autoscale",
} as const;

/**
 * NATS subjects of the autoscale supervisor: every node's load samples
 * (`tms.autoscale.sample.<node>`), requests to the active supervisor
 * (`tms.autoscale.control`, only the lease holder listens) and the local
 * cluster's process manager that the local actuator asks
 * (`tms.autoscale.actuator.local`).
 */
export const AutoscaleSubjects = {
  /** Prefix of the sample subjects; subscribe to `<prefix>.*`. */
  samplePrefix: "tms.autoscale.sample",
  control: "tms.autoscale.control",
  localActuator: "tms.autoscale.actuator.local",
} as const;

/** Subject of one node's load samples: `tms.autoscale.sample.<node>`. */
export function autoscaleSampleSubject(nodeId: string): string {
  return `${AutoscaleSubjects.samplePrefix}.${nodeId}`;
}
