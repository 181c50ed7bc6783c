/**
 * The `webhooks` read model: one row per subscription (never its secret),
 * for the list of a bedrift's webhooks.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import { isoTimestamp } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import { WEBHOOK_EVENT_TYPES, WebhookEventVersions } from "./events.ts";
import type { WebhookEvent } from "./events.ts";
import { WebhookStatus } from "./types.ts";

/** Name of the projection and of its table. */
export const WEBHOOKS_PROJECTION = "webhooks";

/** A row of `webhooks`. */
export interface WebhookRow {
  id: string;
  bedrift_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  status: WebhookStatus;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

const COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["url", "text"],
  ["event_types", "jsonb"],
  ["description", "text"],
  ["status", "text"],
  ["disabled_reason", "text"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];

/** The columns of a `webhooks` row, for queries. */
export const WEBHOOK_SELECT = COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(WEBHOOKS_PROJECTION, COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create webhooks",
  sql: `
    CREATE TABLE webhooks (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      url text NOT NULL,
      event_types jsonb NOT NULL,
      description text,
      status text NOT NULL,
      disabled_reason text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX webhooks_bedrift_idx
      ON webhooks (bedrift_id, created_position DESC, id);
  `,
}];

function evolve(
  row: WebhookRow | null,
  commit: Commit,
  event: WebhookEvent,
): WebhookRow {
  assertCurrentVersion(WebhookEventVersions, event);
  if (event.type === "webhook.created") {
    const d = event.data;
    return {
      id: commit.id,
      bedrift_id: d.bedriftId,
      url: d.url,
      event_types: d.eventTypes,
      description: d.description,
      status: WebhookStatus.ACTIVE,
      disabled_reason: null,
      created_at: d.createdAt,
      updated_at: d.createdAt,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Webhook ${commit.id} has ${event.type} at position ${commit.position} before webhook.created`,
    );
  }
  switch (event.type) {
    case "webhook.updated": {
      const d = event.data;
      return {
        ...row,
        url: d.url ?? row.url,
        event_types: d.eventTypes ?? row.event_types,
        description: d.description === undefined
          ? row.description
          : d.description,
        updated_at: d.updatedAt,
      };
    }
    case "webhook.disabled":
      return {
        ...row,
        status: WebhookStatus.DISABLED,
        disabled_reason: event.data.reason,
        updated_at: event.data.at,
      };
    case "webhook.enabled":
      return {
        ...row,
        status: WebhookStatus.ACTIVE,
        disabled_reason: null,
        updated_at: event.data.at,
      };
    case "webhook.secret_rotated":
      return { ...row, updated_at: event.data.at };
    case "webhook.deleted":
      return {
        ...row,
        status: WebhookStatus.DELETED,
        updated_at: event.data.at,
      };
  }
}

/** A row as read back. */
export function webhookFromDb(row: Record<string, unknown>): WebhookRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  } as WebhookRow;
}

/** Projection of webhook events into `webhooks`; idempotent per row by stream version. */
export const webhooksProjection: Projection = {
  name: WEBHOOKS_PROJECTION,
  eventTypes: WEBHOOK_EVENT_TYPES,
  tables: [WEBHOOKS_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: WEBHOOKS_PROJECTION,
      select: WEBHOOK_SELECT,
      upsert: UPSERT,
      fromDb: webhookFromDb,
      evolve,
    });
  },
};
