/** Queries of the `webhooks` read model. */
import { newestFirstPage, SqlParams } from "../../runtime/sql/mod.ts";
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
  const p = new SqlParams();
  if (filter.bedriftId) {
    p.where(`bedrift_id = ${p.add(filter.bedriftId)}::text`);
  }
  if (filter.status) p.where(`status = ${p.add(filter.status)}::text`);
  else p.where(`status <> ${p.add(WebhookStatus.DELETED)}::text`);
  return await newestFirstPage(
    db,
    {
      table: "webhooks",
      select: WEBHOOK_SELECT,
      fromDb: webhookFromDb,
      toItem: webhookItem,
    },
    p,
    filter,
    options,
  );
}
