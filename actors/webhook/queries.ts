/** Queries of the `webhooks` read model. */
import {
  countRows,
  keysetPage,
  pageLimit,
  readCursor,
  SqlParams,
  withTotal,
} from "../../runtime/sql/mod.ts";
import type { ListOptions, Page, SqlExecutor } from "../../runtime/sql/mod.ts";
import { WEBHOOK_SELECT, webhookFromDb } from "./projection.ts";
import type { WebhookRow } from "./projection.ts";
import { WebhookStatus } from "./types.ts";

/** A subscription as the list shows it (never its secret). */
export interface WebhookListItem {
  id: string;
  version: number;
  bedriftId: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  status: WebhookStatus;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookFilter {
  bedriftId?: string;
  /** Default: every status but DELETED. */
  status?: WebhookStatus;
  limit?: number;
  cursor?: string | null;
}

const CURSOR = ["number", "string"] as const;

/** A row as a list item. */
export function webhookItem(row: WebhookRow): WebhookListItem {
  return {
    id: row.id,
    version: row.version,
    bedriftId: row.bedrift_id,
    url: row.url,
    eventTypes: row.event_types,
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Lists subscriptions newest first, keyset-paged on (created position, id). */
export async function listWebhooks(
  db: SqlExecutor,
  filter: WebhookFilter = {},
  options: ListOptions = {},
): Promise<Page<WebhookListItem>> {
  const limit = pageLimit(filter.limit);
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  else p.where(`status <> ${p.add(WebhookStatus.DELETED)}::text`);
  const total = await countRows(db, "webhooks", p, options);
  if (filter.cursor) {
    const after = readCursor(filter.cursor, CURSOR);
    p.where(
      `(created_position, id) < (${p.add(after[0])}::bigint, ${
        p.add(after[1])
      }::text COLLATE "C")`,
    );
  }
  const rows = await db.query(
    `SELECT ${WEBHOOK_SELECT} FROM webhooks ${p.clause()}
     ORDER BY created_position DESC, id DESC LIMIT ${p.add(limit + 1)}::int`,
    p.values,
    options,
  );
  return withTotal(
    total,
    keysetPage(
      rows,
      limit,
      webhookFromDb,
      webhookItem,
      (row: WebhookRow) => [row.created_position, row.id],
    ),
  );
}
