/**
 * A drill's verdict, from the log itself: every acknowledged command is in
 * it exactly once at the version its answer reported, every stream's
 * versions run 1…n, and the read models the nodes wrote equal a fold of the
 * log into a fresh schema, table by table (row count and a hash of the
 * rows).
 */
import { readModelProjections, withDomainUpcasters } from "../actors/mod.ts";
import { loadPostgres } from "../deps.ts";
import type { Commit, EventLog } from "../runtime/core/mod.ts";
import { JetStreamEventLog } from "../runtime/log/jetstream/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { ProjectionEngine } from "../runtime/projection/mod.ts";
import { PostgresStore, sqlIdentifier } from "../runtime/sql/mod.ts";
import type { Acknowledged } from "./drill_workload.ts";

/** Where a drill's log is: the embedded node's file, or the NATS servers. */
export type LogSource = { kvPath: string } | { natsUrl: string };

/** Opens the log of `source` (the nodes are stopped), upcasting. */
export async function openLog(source: LogSource): Promise<EventLog> {
  const raw = "kvPath" in source
    ? await KvEventLog.open(source.kvPath)
    : await JetStreamEventLog.connect({ servers: source.natsUrl.split(",") });
  return withDomainUpcasters(raw);
}

/** Every commit of `log`, in feed order. */
export async function readAll(log: EventLog): Promise<Commit[]> {
  const all: Commit[] = [];
  for (;;) {
    const page = await log.readFeed(all.at(-1)?.position ?? 0, 1000);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** What the log says about the acknowledged commands. */
export interface LogVerdict {
  commits: number;
  streams: number;
  /** Streams whose versions skip or repeat, or whose positions fall. */
  forks: string[];
  /** Command ids committed more than once (any command, acknowledged or not). */
  duplicateCommands: string[];
  acknowledged: number;
  /** Acknowledged and in the log exactly once, at the version answered. */
  found: number;
  lost: string[];
  duplicated: string[];
  /** In the log once, but at another version than the answer said. */
  versionMismatch: string[];
}

/** Checks `commits` (feed order) against the acknowledged commands. */
export function verdictOf(
  commits: readonly Commit[],
  acknowledged: readonly Acknowledged[],
): LogVerdict {
  const versions = new Map<string, { version: number; position: number }>();
  const forks = new Set<string>();
  const byCommand = new Map<string, Commit[]>();
  for (const c of commits) {
    const key = `${c.type}/${c.id}`;
    const last = versions.get(key) ?? { version: 0, position: 0 };
    if (c.version !== last.version + 1 || c.position <= last.position) {
      forks.add(`${key}: v${last.version} then v${c.version}`);
    }
    versions.set(key, { version: c.version, position: c.position });
    const seen = byCommand.get(c.commandId);
    if (seen) seen.push(c);
    else byCommand.set(c.commandId, [c]);
  }
  const verdict: LogVerdict = {
    commits: commits.length,
    streams: versions.size,
    forks: [...forks],
    duplicateCommands: [...byCommand].filter(([, cs]) => cs.length > 1).map((
      [id],
    ) => id),
    acknowledged: acknowledged.length,
    found: 0,
    lost: [],
    duplicated: [],
    versionMismatch: [],
  };
  for (const ack of acknowledged) {
    const found = byCommand.get(ack.commandId) ?? [];
    if (found.length === 0) verdict.lost.push(ack.key);
    else if (found.length > 1) verdict.duplicated.push(ack.key);
    else if (found[0].id !== ack.id || found[0].version !== ack.version) {
      verdict.versionMismatch.push(
        `${ack.key}: answered v${ack.version}, logged v${found[0].version}`,
      );
    } else verdict.found++;
  }
  return verdict;
}

/** One read-model table, as the nodes wrote it and as a fold of the log gives it. */
export interface TableComparison {
  table: string;
  rows: number;
  foldRows: number;
  same: boolean;
}

/**
 * Folds `log` into a fresh schema of `databaseUrl` with every read-model
 * projection, then compares each table with the one the nodes wrote into
 * `liveSchema` (row count and an md5 over the rows' text, in order). The
 * fresh schema is dropped after.
 */
export async function compareReadModels(
  databaseUrl: string,
  liveSchema: string,
  log: EventLog,
): Promise<TableComparison[]> {
  const foldSchema = `${liveSchema}_fold`;
  const store = await PostgresStore.open({ databaseUrl, schema: foldSchema });
  const sql = (await loadPostgres())(databaseUrl, {
    max: 1,
    onnotice: () => {},
  });
  try {
    const engine = new ProjectionEngine({
      store,
      log,
      projections: readModelProjections,
      lingerMs: 0,
    });
    await engine.start();
    try {
      await engine.waitFor(await log.headPosition(), {
        signal: AbortSignal.timeout(300_000),
      });
    } finally {
      await engine.stop();
    }
    const digest = async (schema: string, table: string) => {
      const [row] = await sql.unsafe(
        `SELECT count(*)::int AS n,
                coalesce(md5(string_agg(md5(t::text), ',' ORDER BY md5(t::text))), '') AS h
           FROM ${sqlIdentifier(schema)}.${sqlIdentifier(table)} t`,
      );
      return { n: row.n as number, h: row.h as string };
    };
    const out: TableComparison[] = [];
    for (const table of readModelProjections.flatMap((p) => p.tables)) {
      const live = await digest(liveSchema, table);
      const fold = await digest(foldSchema, table);
      out.push({
        table,
        rows: live.n,
        foldRows: fold.n,
        same: live.n === fold.n && live.h === fold.h,
      });
    }
    return out;
  } finally {
    await store.close();
    await sql.unsafe(
      `DROP SCHEMA IF EXISTS ${sqlIdentifier(foldSchema)} CASCADE`,
    )
      .catch(() => {});
    await sql.end();
  }
}
