/**
 * The webhook outbox in the read-model store: `webhook_targets` (each
 * subscription as the feed has made it so far: URL, event types, encrypted
 * secret, active or not) and `webhook_deliveries` (one row per event and
 * subscription: its CloudEvent body, status, attempts, next attempt, the
 * last 20 attempts). A projection fills both from the feed, rows and its
 * checkpoint in one transaction, so each delivery is enqueued exactly once;
 * `WebhookDispatcher` sends them. The tables are never rebuilt: a rebuild
 * would enqueue every past delivery again.
 */
import { decodeCursor, encodeCursor, isoTimestamp } from "../sql/mod.ts";
import { isoTimestampOrNull } from "../sql/mod.ts";
import type { Migration, SqlExecutor } from "../sql/mod.ts";

/** The outbox's tables. */
export const WEBHOOK_OUTBOX_TABLES = [
  "webhook_targets",
  "webhook_deliveries",
  "webhook_outbox_meta",
] as const;

/** Migrations of the outbox tables (the projection that fills them owns them). */
export const WEBHOOK_OUTBOX_MIGRATIONS: readonly Migration[] = [{
  version: 1,
  name: "create webhook_targets and webhook_deliveries",
  sql: `
    CREATE TABLE webhook_targets (
      id text COLLATE "C" PRIMARY KEY,
      tenant text NOT NULL,
      url text NOT NULL,
      event_types jsonb NOT NULL,
      secret jsonb NOT NULL,
      active boolean NOT NULL,
      version integer NOT NULL
    );
    CREATE TABLE webhook_deliveries (
      webhook_id text COLLATE "C" NOT NULL,
      position bigint NOT NULL,
      idx integer NOT NULL,
      event_type text NOT NULL,
      body text NOT NULL,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      next_attempt_at timestamptz,
      claimed_until timestamptz,
      last_attempt_at timestamptz,
      last_status integer,
      last_error text,
      finished_at timestamptz,
      log jsonb NOT NULL DEFAULT '[]'::jsonb,
      PRIMARY KEY (webhook_id, position, idx)
    );
    CREATE INDEX webhook_deliveries_due_idx
      ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_dead_idx
      ON webhook_deliveries (finished_at) WHERE status = 'dead';
    CREATE TABLE webhook_outbox_meta (
      id integer PRIMARY KEY CHECK (id = 1),
      since timestamptz NOT NULL
    );
    INSERT INTO webhook_outbox_meta (id, since) VALUES (1, clock_timestamp());
  `,
}];

/** Where a delivery stands. */
export const DeliveryStatus = {
  pending: "pending",
  delivered: "delivered",
  /** Failed for the whole retry period: kept for the operator, retried on request. */
  dead: "dead",
  /** Its subscription was disabled or deleted before it went out. */
  cancelled: "cancelled",
} as const;
export type DeliveryStatus =
  (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** A subscription as the outbox keeps it. */
export interface OutboxTarget {
  id: string;
  tenant: string;
  url: string;
  eventTypes: string[];
  /** Opaque to the outbox: what `decryptSecret` turns into `whsec_…`. */
  secret: unknown;
  active: boolean;
  version: number;
}

/** One delivery to enqueue. */
export interface OutboxDelivery {
  webhookId: string;
  position: number;
  index: number;
  type: string;
  body: string;
}

/** One attempt, as the delivery log shows it. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  /** The receiver's HTTP status (null: no answer). */
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** A delivery as the delivery log shows it. */
export interface DeliveryRecord {
  /** `<position>-<index>`: the event's id (the CloudEvent's). */
  id: string;
  webhookId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  finishedAt: string | null;
  log: DeliveryAttempt[];
}

/**
 * When this outbox was made (epoch ms, the database's clock at its
 * migration): commits older than that were history then (the node's first
 * start, or a read-model store restored or replaced since) and are not
 * delivered — only the subscriptions are folded from them — so a fresh
 * outbox never sends the past again.
 */
export async function outboxSince(tx: SqlExecutor): Promise<number> {
  const [row] = await tx.query<{ since: unknown }>(
    `SELECT since FROM webhook_outbox_meta WHERE id = 1`,
  );
  return row ? new Date(row.since as string).getTime() : 0;
}

/** Every subscription the outbox knows. */
export async function loadTargets(db: SqlExecutor): Promise<OutboxTarget[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, tenant, url, event_types, secret, active, version
     FROM webhook_targets`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    tenant: String(r.tenant),
    url: String(r.url),
    eventTypes: r.event_types as string[],
    secret: r.secret,
    active: Boolean(r.active),
    version: Number(r.version),
  }));
}

/** Writes subscriptions (a row moves only forward in version). */
export async function saveTargets(
  tx: SqlExecutor,
  targets: readonly OutboxTarget[],
): Promise<void> {
  if (targets.length === 0) return;
  await tx.query(
    `INSERT INTO webhook_targets AS t
       (id, tenant, url, event_types, secret, active, version)
     SELECT id, tenant, url, event_types, secret, active, version
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, tenant text, url text,
       event_types jsonb, secret jsonb, active boolean, version integer)
     ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant,
       url = excluded.url, event_types = excluded.event_types,
       secret = excluded.secret, active = excluded.active,
       version = excluded.version
     WHERE t.version < excluded.version`,
    [JSON.stringify(targets.map((t) => ({
      id: t.id,
      tenant: t.tenant,
      url: t.url,
      event_types: t.eventTypes,
      secret: t.secret,
      active: t.active,
      version: t.version,
    })))],
  );
}

/** Enqueues deliveries, due now; one already there is left as it is. */
export async function enqueueDeliveries(
  tx: SqlExecutor,
  deliveries: readonly OutboxDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await tx.query(
    `INSERT INTO webhook_deliveries
       (webhook_id, position, idx, event_type, body, status, created_at,
        next_attempt_at)
     SELECT webhook_id, position, idx, event_type, body, 'pending',
       clock_timestamp(), clock_timestamp()
     FROM jsonb_to_recordset($1::jsonb) AS x(webhook_id text,
       position bigint, idx integer, event_type text, body text)
     ON CONFLICT (webhook_id, position, idx) DO NOTHING`,
    [JSON.stringify(deliveries.map((d) => ({
      webhook_id: d.webhookId,
      position: d.position,
      idx: d.index,
      event_type: d.type,
      body: d.body,
    })))],
  );
}

/** A delivery row as read back. */
export function deliveryRecord(row: Record<string, unknown>): DeliveryRecord {
  return {
    id: `${row.position}-${row.idx}`,
    webhookId: String(row.webhook_id),
    eventType: String(row.event_type),
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    createdAt: isoTimestamp(row.created_at),
    nextAttemptAt: row.status === DeliveryStatus.pending
      ? isoTimestampOrNull(row.next_attempt_at)
      : null,
    lastAttemptAt: isoTimestampOrNull(row.last_attempt_at),
    lastStatus: row.last_status == null ? null : Number(row.last_status),
    lastError: row.last_error == null ? null : String(row.last_error),
    finishedAt: isoTimestampOrNull(row.finished_at),
    log: (row.log ?? []) as DeliveryAttempt[],
  };
}

const DELIVERY_COLUMNS = `webhook_id, position, idx, event_type, status,
  attempts, created_at, next_attempt_at, last_attempt_at, last_status,
  last_error, finished_at, log`;

/** A page of one subscription's deliveries, newest first. */
export async function listDeliveries(
  db: SqlExecutor,
  webhookId: string,
  options: { status?: DeliveryStatus; limit: number; cursor?: string },
): Promise<{ items: DeliveryRecord[]; nextCursor: string | null }> {
  const params: unknown[] = [webhookId];
  const where = ["webhook_id = $1::text"];
  if (options.status) {
    params.push(options.status);
    where.push(`status = $${params.length}::text`);
  }
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor, ["number", "number"]);
    if (!after) throw new TypeError("The cursor is not one this list gave out");
    params.push(after[0], after[1]);
    where.push(
      `(position, idx) < ($${
        params.length - 1
      }::bigint, $${params.length}::integer)`,
    );
  }
  params.push(options.limit + 1);
  const rows = await db.query<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
     WHERE ${where.join(" AND ")}
     ORDER BY position DESC, idx DESC LIMIT $${params.length}::integer`,
    params,
  );
  const items = rows.slice(0, options.limit).map(deliveryRecord);
  const last = rows.length > options.limit ? rows[options.limit - 1] : null;
  return {
    items,
    nextCursor: last
      ? encodeCursor([Number(last.position), Number(last.idx)])
      : null,
  };
}

/** One delivery, or null. */
export async function readDelivery(
  db: SqlExecutor,
  webhookId: string,
  position: number,
  index: number,
): Promise<DeliveryRecord | null> {
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
     WHERE webhook_id = $1::text AND position = $2::bigint AND idx = $3::integer`,
    [webhookId, position, index],
  );
  return row ? deliveryRecord(row) : null;
}

/**
 * Puts a dead delivery back in the queue, due now, with a fresh retry
 * period (the same `webhook-id`); null when it is not dead (or not there).
 */
export async function requeueDead(
  db: SqlExecutor,
  webhookId: string,
  position: number,
  index: number,
): Promise<DeliveryRecord | null> {
  const [row] = await db.query<Record<string, unknown>>(
    `UPDATE webhook_deliveries
     SET status = 'pending', created_at = clock_timestamp(),
       next_attempt_at = clock_timestamp(), claimed_until = NULL,
       finished_at = NULL
     WHERE webhook_id = $1::text AND position = $2::bigint
       AND idx = $3::integer AND status = 'dead'
     RETURNING ${DELIVERY_COLUMNS}`,
    [webhookId, position, index],
  );
  return row ? deliveryRecord(row) : null;
}

/** Deliveries by status (pending and dead only: the others are history). */
export async function countOpenDeliveries(
  db: SqlExecutor,
): Promise<{ pending: number; dead: number; oldestPendingMs: number }> {
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT
       (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending,
       (SELECT count(*) FROM webhook_deliveries WHERE status = 'dead') AS dead,
       (SELECT COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)) * 1000, 0)
          FROM webhook_deliveries WHERE status = 'pending') AS oldest`,
  );
  return {
    pending: Number(row?.pending ?? 0),
    dead: Number(row?.dead ?? 0),
    oldestPendingMs: Math.round(Number(row?.oldest ?? 0)),
  };
}
