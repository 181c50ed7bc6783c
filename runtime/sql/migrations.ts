import { sqlIdentifier } from "./store.ts";
import type { SqlStore } from "./store.ts";
import type { SignalOptions } from "../core/mod.ts";

/**
 * One schema change. `sql` uses unqualified names: it runs with the target
 * schema as `search_path` (the live schema, or a fresh one during a rebuild).
 * An applied migration is never edited; add the next version instead.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations of one owner (a projection, the engine), versioned from 1. */
export interface MigrationSet {
  scope: string;
  migrations: readonly Migration[];
}

/** A migration this run applied. */
export interface AppliedMigration {
  scope: string;
  version: number;
  name: string;
}

/** Name of the table that records applied migrations. */
export const MIGRATIONS_TABLE = "tms_schema_migrations";

/**
 * Applies the missing migrations of each set, each set in one transaction
 * under an advisory lock (nodes starting together apply each version once).
 * Fails when an applied migration's text changed, or when the database holds
 * a version this code does not know.
 *
 * @example
 * ```ts
 * await migrate(store, [{ scope: "todo", migrations: [{ version: 1, name: "create", sql: "CREATE TABLE todo (id text PRIMARY KEY)" }] }]);
 * ```
 */
export async function migrate(
  store: SqlStore,
  sets: readonly MigrationSet[],
  options: SignalOptions = {},
): Promise<AppliedMigration[]> {
  const table = `${sqlIdentifier(store.schema)}.${MIGRATIONS_TABLE}`;
  await store.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1::text))", [
      `tms.migrations.${store.schema}`,
    ]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      scope text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, version)
    )`);
  }, options);
  const applied: AppliedMigration[] = [];
  for (const set of sets) {
    checkSet(set);
    const sums = await Promise.all(set.migrations.map((m) => checksum(m.sql)));
    await store.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1::text))", [
        `tms.migrations.${store.schema}`,
      ]);
      const done = await tx.query<{ version: number; checksum: string }>(
        `SELECT version, checksum FROM ${table} WHERE scope = $1::text`,
        [set.scope],
      );
      const known = new Map(done.map((row) => [row.version, row.checksum]));
      for (const [version] of known) {
        if (!set.migrations.some((m) => m.version === version)) {
          throw new Error(
            `Read model ${set.scope} is at migration ${version}, which this code does not know; deploy newer code`,
          );
        }
      }
      for (const [i, migration] of set.migrations.entries()) {
        const recorded = known.get(migration.version);
        if (recorded !== undefined) {
          if (recorded !== sums[i]) {
            throw new Error(
              `Migration ${set.scope} v${migration.version} (${migration.name}) was changed after it was applied; add a new version instead`,
            );
          }
          continue;
        }
        await tx.exec(migration.sql);
        await tx.query(
          `INSERT INTO ${table} (scope, version, name, checksum) VALUES ($1::text, $2::int, $3::text, $4::text)`,
          [set.scope, migration.version, migration.name, sums[i]],
        );
        applied.push({
          scope: set.scope,
          version: migration.version,
          name: migration.name,
        });
      }
    }, options);
  }
  return applied;
}

/** Applied migrations per scope, newest version first. */
export async function migrationStatus(
  store: SqlStore,
  options: SignalOptions = {},
): Promise<{ scope: string; version: number; name: string }[]> {
  const table = `${sqlIdentifier(store.schema)}.${MIGRATIONS_TABLE}`;
  const exists = await store.query<{ found: boolean }>(
    "SELECT to_regclass($1::text) IS NOT NULL AS found",
    [table],
    options,
  );
  if (!exists[0]?.found) return [];
  return await store.query(
    `SELECT scope, version, name FROM ${table} ORDER BY scope, version DESC`,
    [],
    options,
  );
}

/** Records every migration of `set` as applied (after a rebuild swapped its tables in). */
export async function recordMigrations(
  tx: { query(text: string, params?: readonly unknown[]): Promise<unknown> },
  schema: string,
  set: MigrationSet,
): Promise<void> {
  const table = `${sqlIdentifier(schema)}.${MIGRATIONS_TABLE}`;
  for (const migration of set.migrations) {
    await tx.query(
      `INSERT INTO ${table} (scope, version, name, checksum)
       VALUES ($1::text, $2::int, $3::text, $4::text)
       ON CONFLICT (scope, version) DO NOTHING`,
      [
        set.scope,
        migration.version,
        migration.name,
        await checksum(migration.sql),
      ],
    );
  }
}

function checkSet(set: MigrationSet): void {
  set.migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new RangeError(
        `Migrations of ${set.scope} must be numbered 1, 2, 3… in order; found ${migration.version} at ${
          i + 1
        }`,
      );
    }
  });
}

async function checksum(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text.trim()),
  );
  return [...new Uint8Array(digest).slice(0, 12)].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
}
