/**
 * `deno task migrate`: applies the read side's migrations (the engine's
 * checkpoint table and every projection's tables) to the store of this
 * environment, then lists what is applied. Exits 1 with a one-line reason on
 * failure. The node also applies them at start.
 */
import { readModelProjections } from "../actors/mod.ts";
import { engineMigrations } from "../runtime/projection/mod.ts";
import { migrate, migrationStatus } from "../runtime/sql/mod.ts";
import type { SqlStore } from "../runtime/sql/mod.ts";
import { runTask } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";
import { openReadStore, READ_STORE_ENV } from "./read_side_env.ts";

/** `deno task migrate`: its usage text. */
export const migrateTask: TaskSpec = {
  name: "migrate",
  summary:
    "Applies the read side's migrations (engine checkpoints and every projection's tables) to this environment's store, then lists what is applied.",
  details: "The node also applies them when it starts.",
  env: READ_STORE_ENV,
  examples: [
    "deno task migrate",
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task migrate",
  ],
};

/** Applies every read-model migration; returns the lines to print. */
export async function runMigrations(store: SqlStore): Promise<string[]> {
  const applied = await migrate(store, [
    engineMigrations,
    ...readModelProjections.map((p) => ({
      scope: p.name,
      migrations: p.migrations,
    })),
  ]);
  const lines = applied.length === 0
    ? ["Read model schema is up to date"]
    : applied.map((m) => `Applied ${m.scope} v${m.version}: ${m.name}`);
  const current = new Map<string, number>();
  for (const m of await migrationStatus(store)) {
    current.set(m.scope, Math.max(current.get(m.scope) ?? 0, m.version));
  }
  lines.push(
    `${store.backend} schema ${store.schema}: ${
      [...current].map(([scope, v]) => `${scope} v${v}`).join(", ")
    }`,
  );
  return lines;
}

if (import.meta.main) {
  await runTask(migrateTask, async () => {
    const store = await openReadStore();
    try {
      for (const line of await runMigrations(store)) console.log(line);
    } catch (error) {
      await store.close().catch(() => {});
      throw error;
    }
    await store.close();
  });
}
