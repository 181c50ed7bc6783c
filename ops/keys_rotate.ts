/**
 * `deno task keys:rotate [--help]`: rotates the access-token signing key of
 * this environment and prints the new key's id. Exits 0 on success, 1 with
 * a one-line reason when it failed, 2 on a usage error.
 *
 * The nodes pick the new key up by themselves: each reloads the key set
 * before signing when its copy is a minute old, and at once when a token
 * names a key it does not know.
 */
import { natsConnect } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import { AuthKeyNames, JetStreamNames } from "../runtime/core/mod.ts";
import {
  currentKey,
  FileTokenKeyStore,
  NatsTokenKeyStore,
  RETIRED_KEY_RETENTION_SECONDS,
  rotateKeySet,
} from "../runtime/auth/mod.ts";
import type { TokenKeyStore } from "../runtime/auth/mod.ts";
import { runTask, usage } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** `deno task keys:rotate`: its usage text. */
export const keysRotateTask: TaskSpec = {
  name: "keys:rotate",
  summary:
    "Rotates the key that signs access tokens and prints the new key id (kid).",
  details:
    `A new Ed25519 key becomes the signer, and the one before goes on verifying
for ${RETIRED_KEY_RETENTION_SECONDS} s (the longest a token it signed can live, plus a node's reload
and the clock tolerance), after which the next rotation drops it. Running
nodes start signing with the new key within a minute. The key set is the one
the nodes use: the JetStream KV bucket ${JetStreamNames.authKeys} when TMS_NATS_URL is set,
else $TMS_DATA_DIR/${AuthKeyNames.file}. A node creates it at start; this task does not.`,
  env: [
    {
      name: "TMS_DATA_DIR",
      default: "./data",
      description: "the embedded node's data directory",
    },
    {
      name: "TMS_NATS_URL",
      description: "NATS servers: the distributed nodes' key set",
    },
  ],
  examples: [
    "deno task keys:rotate",
    "TMS_DATA_DIR=/var/lib/tms deno task keys:rotate",
  ],
};

/** The usage text, as `--help` prints it. */
export const HELP = usage(keysRotateTask);

/** What a rotation did. */
export interface Rotation {
  kid: string;
  /** The key that signed before, now retired. */
  previous: string;
  /** Keys in the set after it (the new one and those still verifying). */
  keys: number;
}

/** Rotates the key set in `store`; it must exist (a node creates it). */
export async function rotateKeys(
  store: TokenKeyStore,
  where: string,
  nowMs: number = Date.now(),
): Promise<Rotation> {
  const before = await store.read();
  if (!before) {
    throw new Error(
      `No access-token key set in ${where} (a node creates it at start)`,
    );
  }
  const previous = currentKey(before.keySet).kid;
  const after = await rotateKeySet(store, nowMs);
  const kid = currentKey(after.keySet).kid;
  return { kid, previous, keys: after.keySet.keys.length };
}

/**
 * The key set of this environment: the `tms_auth_keys` bucket when
 * `TMS_NATS_URL` is set (an existing one), else
 * `$TMS_DATA_DIR/auth_keys.json`.
 */
export async function openTokenKeyStore(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<{ store: TokenKeyStore; where: string; close(): Promise<void> }> {
  const nats = env.TMS_NATS_URL?.trim();
  if (nats) {
    const nc: NatsConnection = await natsConnect({
      servers: nats.split(",").map((s) => s.trim()),
      name: "tms-ops-keys-rotate",
      maxReconnectAttempts: 2,
    });
    try {
      const store = await NatsTokenKeyStore.open(nc, { existing: true });
      return {
        store,
        where: `bucket ${JetStreamNames.authKeys}`,
        async close() {
          await store.close();
          await nc.close();
        },
      };
    } catch (error) {
      await nc.close();
      throw error;
    }
  }
  const dir = env.TMS_DATA_DIR?.trim() || "./data";
  const path = `${dir}/${AuthKeyNames.file}`;
  const store = new FileTokenKeyStore(path);
  return { store, where: path, close: () => store.close() };
}

if (import.meta.main) {
  await runTask(keysRotateTask, async () => {
    const opened = await openTokenKeyStore();
    try {
      const rotation = await rotateKeys(opened.store, opened.where);
      console.log(rotation.kid);
      console.error(
        `keys:rotate: ${rotation.kid} signs now; ${rotation.previous} verifies for ${RETIRED_KEY_RETENTION_SECONDS} s more (${rotation.keys} keys in ${opened.where})`,
      );
    } finally {
      await opened.close().catch(() => {});
    }
    return 0;
  });
}
