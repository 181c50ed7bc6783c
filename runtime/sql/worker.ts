/// <reference lib="deno.worker" />
/**
 * The worker side of `WorkerSqlStore`: owns a `PgliteStore` so PGlite's
 * WebAssembly runs off the main thread, and answers the messages of
 * `worker_sql_store.ts` one by one.
 */
import { encodeError } from "../core/mod.ts";
import { PgliteStore } from "./pglite_store.ts";
import type { SqlExecutor, SqlStoreOptions } from "./store.ts";
import type { WorkerReply, WorkerRequest } from "./worker_sql_store.ts";

let store: PgliteStore | null = null;
const transactions = new Map<number, {
  tx: SqlExecutor;
  finish: (commit: boolean) => void;
  done: Promise<unknown>;
}>();

class Rollback extends Error {
  override name = "Rollback";
}

function reply(message: WorkerReply): void {
  self.postMessage(message);
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "open": {
      store = await PgliteStore.open(request.options as SqlStoreOptions);
      return { schema: store.schema };
    }
    case "query":
      return request.tx === undefined
        ? await store!.query(request.text!, request.params)
        : await transactions.get(request.tx)!.tx.query(
          request.text!,
          request.params,
        );
    case "exec":
      return request.tx === undefined
        ? await store!.exec(request.text!)
        : await transactions.get(request.tx)!.tx.exec(request.text!);
    case "begin": {
      const id = request.tx!;
      return await new Promise((resolve, reject) => {
        let finish!: (commit: boolean) => void;
        const decided = new Promise<boolean>((r) => (finish = r));
        const done = store!.transaction(async (tx) => {
          transactions.set(id, { tx, finish, done });
          resolve(null);
          if (!(await decided)) throw new Rollback();
        }, { schema: request.schema, relaxed: request.relaxed });
        done.catch((error) => {
          if (!transactions.has(id)) reject(error);
        });
      });
    }
    case "commit":
    case "rollback": {
      const entry = transactions.get(request.tx!)!;
      entry.finish(request.op === "commit");
      try {
        await entry.done;
      } catch (error) {
        if (!(error instanceof Rollback) && request.op === "commit") {
          throw error;
        }
      } finally {
        transactions.delete(request.tx!);
      }
      return null;
    }
    case "close": {
      await store?.close();
      store = null;
      return null;
    }
  }
}

// Requests are answered in order of arrival per transaction; PGlite itself
// serialises statements, so concurrent requests are safe.
self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  try {
    reply({ id: request.id, ok: true, result: await handle(request) });
  } catch (error) {
    reply({ id: request.id, ok: false, error: encodeError(error) });
  }
};
