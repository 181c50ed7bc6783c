/** Opening the read side's backends from the environment, for `deno task` entry points. */
import { domainEventLog } from "../actors/mod.ts";
import { JetStreamEventLog } from "../runtime/log/jetstream/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { NatsKeyStore, openEmbeddedKeyStore } from "../runtime/storage/mod.ts";
import type { KeyStore } from "../runtime/storage/mod.ts";
import { natsConnect } from "../deps.ts";
import { openSqlStore, sqlStoreOptionsFromEnv } from "../runtime/sql/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { SqlStore } from "../runtime/sql/mod.ts";
import type { EnvSpec } from "./cli.ts";

/** What {@linkcode openReadStore} reads, for the tasks' `--help`. */
export const READ_STORE_ENV: EnvSpec[] = [
  {
    name: "DATABASE_URL",
    description: "read models in PostgreSQL; unset: PGlite under TMS_DATA_DIR",
  },
  {
    name: "TMS_READ_SCHEMA",
    default: "public",
    description: "schema of the read models",
  },
  {
    name: "TMS_DATA_DIR",
    default: "./data",
    description: "embedded data: readmodel/ (PGlite), events.kv, keys.kv",
  },
];

/** What {@linkcode openEventLog} reads besides `TMS_DATA_DIR`. */
export const EVENT_LOG_ENV: EnvSpec[] = [
  {
    name: "TMS_NATS_URL",
    description:
      "the JetStream event log (comma-separated servers); unset: Deno KV in TMS_DATA_DIR/events.kv",
  },
];

/** The read-model store: PostgreSQL when `DATABASE_URL` is set, else PGlite under `TMS_DATA_DIR`. */
export function openReadStore(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<SqlStore> {
  return openSqlStore(sqlStoreOptionsFromEnv(env));
}

/**
 * The event log: JetStream when `TMS_NATS_URL` is set, else Deno KV under
 * `TMS_DATA_DIR`; read as a node reads it (`domainEventLog`: personal data
 * opened with the node's key store — `tms_keys`, or `TMS_DATA_DIR/keys.kv` —
 * and events upcast), so rebuilds see current events and write no
 * ciphertext into read models. `close()` closes the key store too.
 */
export async function openEventLog(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<EventLog> {
  const nats = env.TMS_NATS_URL?.trim();
  if (nats) {
    const nc = await natsConnect({
      servers: nats.split(",").map((s) => s.trim()),
      name: "tms-ops",
      timeout: 5_000,
      noAsyncTraces: true,
    });
    try {
      const stored = await JetStreamEventLog.open(nc);
      return closing(
        domainEventLog(stored, await NatsKeyStore.open(nc)),
        () => nc.close(),
      );
    } catch (error) {
      await nc.close();
      throw error;
    }
  }
  const dir = env.TMS_DATA_DIR?.trim() || "./data";
  const path = `${dir}/events.kv`;
  try {
    await Deno.stat(path);
  } catch {
    throw new Error(
      `No event log at ${path} (set TMS_DATA_DIR or TMS_NATS_URL)`,
    );
  }
  const keys: KeyStore = await openEmbeddedKeyStore(dir);
  return closing(
    domainEventLog(await KvEventLog.open(path), keys),
    () => keys.close(),
  );
}

/** `log`, whose `close()` then runs `after`. */
function closing(log: EventLog, after: () => Promise<void>): EventLog {
  const close = log.close.bind(log);
  return Object.assign(log, {
    close: async () => {
      try {
        await close();
      } finally {
        await after();
      }
    },
  });
}
