/**
 * `event_stats`: how many events of each type the log holds per day (UTC,
 * by the commit's time), added to batch by batch. Each row remembers the
 * feed position it has counted up to, and a commit at or below it is not
 * counted again: a batch applied twice leaves the same rows, as the
 * projection contract asks (the engine applies each batch once anyway).
 */
import type { Commit, SignalOptions } from "../runtime/core/mod.ts";
import type { Projection } from "../runtime/projection/mod.ts";
import type { SqlExecutor } from "../runtime/sql/mod.ts";
import { EVENT_CATALOG } from "./event_catalog.ts";

/** Name of the projection and of its table. */
export const EVENT_STATS_PROJECTION = "event_stats";

/** Projection of every event into per-day, per-type counts. */
export const eventStatsProjection: Projection = {
  name: EVENT_STATS_PROJECTION,
  eventTypes: EVENT_CATALOG.map((entry) => entry.type),
  tables: [EVENT_STATS_PROJECTION],
  migrations: [{
    version: 1,
    name: "create event_stats",
    sql: `
      CREATE TABLE event_stats (
        day date NOT NULL,
        event_type text COLLATE "C" NOT NULL,
        count bigint NOT NULL,
        position bigint NOT NULL,
        PRIMARY KEY (day, event_type)
      );
    `,
  }],
  async apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    // One row per commit and type: the SQL skips what a row counted before.
    const counts = new Map<
      string,
      { day: string; type: string; position: number; n: number }
    >();
    for (const commit of commits) {
      const day = new Date(commit.timestamp).toISOString().slice(0, 10);
      for (const event of commit.events) {
        const key = `${commit.position} ${event.type}`;
        const entry = counts.get(key) ??
          { day, type: event.type, position: commit.position, n: 0 };
        entry.n++;
        counts.set(key, entry);
      }
    }
    if (counts.size === 0) return;
    await tx.query(
      `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS r(day date, type text, position bigint, n bigint)
       ), fresh AS (
         SELECT r.day, r.type, sum(r.n)::bigint AS n,
                max(r.position) AS position
         FROM r LEFT JOIN event_stats s
           ON s.day = r.day AND s.event_type = r.type COLLATE "C"
         WHERE s.position IS NULL OR r.position > s.position
         GROUP BY r.day, r.type
       )
       INSERT INTO event_stats (day, event_type, count, position)
       SELECT day, type, n, position FROM fresh
       ON CONFLICT (day, event_type) DO UPDATE
         SET count = event_stats.count + excluded.count,
             position = GREATEST(event_stats.position, excluded.position)`,
      [JSON.stringify([...counts.values()])],
    );
  },
};

/** Counts per type (all days) and per day and type (newest days first). */
export async function readEventStats(
  db: SqlExecutor,
  filter: { days?: number } = {},
  options: SignalOptions = {},
): Promise<{
  perType: { type: string; count: number }[];
  perDay: { day: string; type: string; count: number }[];
}> {
  const perType = await db.query(
    `SELECT event_type, sum(count)::bigint AS count FROM event_stats
     GROUP BY event_type ORDER BY event_type`,
    [],
    options,
  );
  const perDay = await db.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, count
     FROM event_stats
     WHERE day > (SELECT max(day) FROM event_stats) - $1::int
     ORDER BY day DESC, event_type`,
    [filter.days ?? 30],
    options,
  );
  return {
    perType: perType.map((r) => ({
      type: String(r.event_type),
      count: Number(r.count),
    })),
    perDay: perDay.map((r) => ({
      day: String(r.day),
      type: String(r.event_type),
      count: Number(r.count),
    })),
  };
}
