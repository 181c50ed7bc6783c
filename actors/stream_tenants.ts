/**
 * `stream_tenants`: the bedrift each event stream belongs to, so the events
 * API can show a bedrift's users the events of their own bedrift only, read
 * from the log itself. One row per stream, written by the event that tells
 * its bedrift (a creation, or the first event of a per-bedrift stream); a
 * session belongs to its user's bedrift (`owner_*`, resolved when read).
 * Platform streams (unique values, the open-items index, system, the audit
 * log) have none.
 */
import type { Commit, SignalOptions } from "../runtime/core/mod.ts";
import type { Projection } from "../runtime/projection/mod.ts";
import type { SqlExecutor } from "../runtime/sql/mod.ts";
import { BEDRIFT } from "./bedrift/mod.ts";
import { INVOICE_SEQUENCE } from "./invoice_sequence/mod.ts";
import { OPEN_ITEMS } from "./open_items/mod.ts";
import { USER } from "./user/mod.ts";

/** Name of the projection and of its table. */
export const STREAM_TENANTS_PROJECTION = "stream_tenants";

interface Row {
  stream_type: string;
  stream_id: string;
  bedrift_id: string | null;
  owner_type: string | null;
  owner_id: string | null;
  position: number;
}

const CREATIONS: Record<
  string,
  (commit: Commit, data: Record<string, unknown>) => Omit<
    Row,
    "stream_type" | "stream_id" | "position"
  >
> = {
  "bedrift.registered": (commit) => ({
    bedrift_id: commit.id,
    owner_type: null,
    owner_id: null,
  }),
  "invoice.drafted": (_, d) => bedrift(d.bedriftId),
  "expense.registered": (_, d) => bedrift(d.bedriftId),
  "budget.opened": (_, d) => bedrift(d.bedriftId),
  "employee.hired": (_, d) => bedrift(d.bedriftId),
  "kontroll.created": (_, d) => bedrift(d.bedriftId),
  "kontroll_mal.created": (_, d) => bedrift(d.bedriftId),
  "user.registered": (_, d) => bedrift(d.bedriftId),
  "gdpr.consent_recorded": (_, d) => bedrift(d.bedriftId),
  "gdpr.subject_erased": (_, d) => bedrift(d.bedriftId),
  "webhook.created": (_, d) => bedrift(d.bedriftId),
  "session.issued": (_, d) => ({
    bedrift_id: null,
    owner_type: USER,
    owner_id: String(d.userId),
  }),
  "invoice_sequence.reserved": (commit) =>
    commit.type === INVOICE_SEQUENCE ? bedrift(commit.id) : bedrift(null),
  "open_items.tracked": (commit) =>
    commit.type === OPEN_ITEMS ? bedrift(commit.id) : bedrift(null),
};

function bedrift(id: unknown) {
  return {
    bedrift_id: typeof id === "string" ? id : null,
    owner_type: null,
    owner_id: null,
  };
}

/** Projection of the events that tell a stream's bedrift into `stream_tenants`. */
export const streamTenantsProjection: Projection = {
  name: STREAM_TENANTS_PROJECTION,
  eventTypes: Object.keys(CREATIONS),
  // 2: the gdpr streams.
  version: 2,
  tables: [STREAM_TENANTS_PROJECTION],
  migrations: [{
    version: 1,
    name: "create stream_tenants",
    sql: `
      CREATE TABLE stream_tenants (
        stream_type text COLLATE "C" NOT NULL,
        stream_id text COLLATE "C" NOT NULL,
        bedrift_id text,
        owner_type text,
        owner_id text,
        position bigint NOT NULL,
        PRIMARY KEY (stream_type, stream_id)
      );
      CREATE INDEX stream_tenants_bedrift_idx ON stream_tenants (bedrift_id);
    `,
  }],
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    const rows = new Map<string, Row>();
    for (const commit of commits) {
      const key = `${commit.type}\u0000${commit.id}`;
      if (rows.has(key)) continue;
      for (const event of commit.events) {
        const tenant = CREATIONS[event.type];
        if (!tenant) continue;
        rows.set(key, {
          stream_type: commit.type,
          stream_id: commit.id,
          ...tenant(commit, event.data as Record<string, unknown>),
          position: commit.position,
        });
        break;
      }
    }
    if (rows.size === 0) return;
    // The first commit that names a stream's bedrift wins; later ones
    // (open_items tracked again) change nothing.
    await tx.query(
      `INSERT INTO stream_tenants
         (stream_type, stream_id, bedrift_id, owner_type, owner_id, position)
       SELECT stream_type, stream_id, bedrift_id, owner_type, owner_id, position
       FROM jsonb_to_recordset($1::jsonb) AS r(
         stream_type text, stream_id text, bedrift_id text, owner_type text,
         owner_id text, position bigint)
       ON CONFLICT (stream_type, stream_id) DO NOTHING`,
      [JSON.stringify([...rows.values()])],
    );
  },
};

/**
 * The bedrift of each stream (`type\u0000id` → bedrift, null for a platform
 * stream); a stream the read model does not know yet is left out.
 */
export async function tenantsOfStreams(
  db: SqlExecutor,
  streams: readonly { type: string; id: string }[],
  options: SignalOptions = {},
): Promise<Map<string, string | null>> {
  const result = new Map<string, string | null>();
  if (streams.length === 0) return result;
  const unique = [
    ...new Map(streams.map((s) => [`${s.type}\u0000${s.id}`, s])).values(),
  ];
  const rows = await db.query(
    `SELECT s.stream_type, s.stream_id,
            COALESCE(s.bedrift_id, o.bedrift_id) AS bedrift_id
     FROM unnest($1::text[], $2::text[]) AS k(stream_type, stream_id)
     JOIN stream_tenants s
       ON s.stream_type = k.stream_type COLLATE "C"
      AND s.stream_id = k.stream_id COLLATE "C"
     LEFT JOIN stream_tenants o
       ON o.stream_type = s.owner_type AND o.stream_id = s.owner_id`,
    [unique.map((s) => s.type), unique.map((s) => s.id)],
    options,
  );
  for (const row of rows) {
    result.set(
      `${row.stream_type}\u0000${row.stream_id}`,
      (row.bedrift_id as string | null) ?? null,
    );
  }
  return result;
}

/** The bedrift a stream of `type` belongs to by its id alone, if any. */
export function tenantById(type: string, id: string): string | null {
  return type === BEDRIFT || type === INVOICE_SEQUENCE || type === OPEN_ITEMS
    ? id
    : null;
}
