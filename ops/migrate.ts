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
import { oneLine, openReadStore } from "./read_side_env.ts";

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
  let store: SqlStore | undefined;
  try {
    store = await openReadStore();
    for (const line of await runMigrations(store)) console.log(line);
    await store.close();
  } catch (error) {
    await store?.close().catch(() => {});
    console.error(`migrate failed: ${oneLine(error)}`);
    Deno.exit(1);
  }
}
