import { loadPglite } from "../../deps.ts";
import {
  PgliteStore,
  PostgresStore,
  WorkerSqlStore,
} from "../../runtime/sql/mod.ts";
import type { SqlStore } from "../../runtime/sql/mod.ts";

/** How a contract opens a fresh, empty store, and throws it away. */
export interface SqlStoreFixture {
  backend: "pglite" | "pglite-worker" | "postgres";
  open(): Promise<SqlStore>;
  cleanup(): Promise<void>;
}

/** The PostgreSQL server of the tests: `DATABASE_URL`, else the local one. */
export const TEST_DATABASE_URL = Deno.env.get("DATABASE_URL") ||
  "postgres://postgres@127.0.0.1:5432/postgres";

let template: Promise<Blob> | undefined;

/**
 * A data dir made by initdb once (cached on disk across test files), so each
 * store opens in ~0.5 s instead of ~3 s.
 */
export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const dir = Deno.env.get("TMPDIR") || "/tmp";
    const path = `${dir}/tms-pglite-0.5.16-template.tar`;
    try {
      return new Blob([await Deno.readFile(path)]);
    } catch {
      // Not cached yet.
    }
    const db = await (await loadPglite()).PGlite.create();
    try {
      const blob = await db.dumpDataDir("none");
      const temp = `${path}.${crypto.randomUUID()}`;
      await Deno.writeFile(temp, new Uint8Array(await blob.arrayBuffer()));
      await Deno.rename(temp, path);
      return blob;
    } finally {
      await db.close();
    }
  })();
  return template;
}

/** A throwaway in-memory PGlite store. */
export function pgliteFixture(): SqlStoreFixture {
  let store: SqlStore | undefined;
  return {
    backend: "pglite",
    async open() {
      store = await PgliteStore.open({ loadDataDir: await pgliteTemplate() });
      return store;
    },
    async cleanup() {
      await store?.close();
    },
  };
}

/** A throwaway in-memory PGlite store running in a worker thread. */
export function pgliteWorkerFixture(): SqlStoreFixture {
  let store: SqlStore | undefined;
  return {
    backend: "pglite-worker",
    async open() {
      store = await WorkerSqlStore.open({
        loadDataDir: await pgliteTemplate(),
      });
      return store;
    },
    async cleanup() {
      await store?.close();
    },
  };
}

/**
 * A uniquely named schema on the test PostgreSQL server, dropped afterwards.
 * Opening fails (the test fails, never skips) when the server is unreachable.
 */
export function postgresFixture(): SqlStoreFixture {
  const schema = `tms_test_${
    crypto.randomUUID().replaceAll("-", "").slice(0, 16)
  }`;
  let store: SqlStore | undefined;
  return {
    backend: "postgres",
    async open() {
      store = await PostgresStore.open({
        databaseUrl: TEST_DATABASE_URL,
        schema,
        maxConnections: 4,
      });
      return store;
    },
    async cleanup() {
      if (!store) return;
      await store.close();
      const admin = await PostgresStore.open({
        databaseUrl: TEST_DATABASE_URL,
        maxConnections: 1,
      });
      try {
        await admin.exec(
          `DO $$ DECLARE s text; BEGIN
             FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE '${schema}%' LOOP
               EXECUTE format('DROP SCHEMA %I CASCADE', s);
             END LOOP;
           END $$`,
        );
      } finally {
        await admin.close();
      }
    },
  };
}

/** Both backends, for contracts that must hold on each. */
export const SQL_FIXTURES: readonly (() => SqlStoreFixture)[] = [
  pgliteFixture,
  postgresFixture,
];
