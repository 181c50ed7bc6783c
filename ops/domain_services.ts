/**
 * What the domain needs beside the actors, wired for one node: the photo
 * store and the personal-data key store (under `TMS_DATA_DIR` embedded; the
 * JetStream object store `tms_files` and KV bucket `tms_keys` when a NATS
 * connection is given: distributed mode), the dated rates
 * (`TMS_RATES_FILE` overrides the shipped ones), and the daily jobs on
 * `Deno.cron` (`TMS_CRONS=off` leaves them out).
 */
import { parseDatedRates } from "../actors/invoice/mod.ts";
import type { DatedRates } from "../actors/invoice/mod.ts";
import { registerSchedules } from "../actors/schedules/mod.ts";
import {
  FsFileStore,
  NatsKeyStore,
  ObjectFileStore,
  openEmbeddedKeyStore,
} from "../runtime/storage/mod.ts";
import type { NatsConnection } from "../deps.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import type { FileStore, KeyStore } from "../runtime/storage/mod.ts";

/** The domain services of a node. */
export interface DomainServices {
  /** Spread into `createApp`'s deps. */
  edge: { files: FileStore; keys: KeyStore; rates?: DatedRates };
  /** Unregisters the jobs and closes the stores. */
  stop(): Promise<void>;
}

/** Where files and keys go in distributed mode: the node's NATS connection. */
export interface DomainNats {
  nc: NatsConnection;
  /** Replicas of the `tms_files` and `tms_keys` buckets when created. */
  replicas: number;
}

/**
 * The personal-data key store: `TMS_DATA_DIR/keys.kv` embedded, the JetStream
 * KV bucket `tms_keys` (shared by every node) in distributed mode. The node
 * opens it before its event log, which seals and opens with it.
 */
export async function openKeyStore(
  dataDir: string,
  nats?: DomainNats,
): Promise<KeyStore> {
  return nats
    ? await NatsKeyStore.open(nats.nc, { replicas: nats.replicas })
    : await openEmbeddedKeyStore(dataDir);
}

/**
 * Opens the stores, reads the rates and registers the jobs; `keys` when the
 * caller opened the key store already (`stop` closes it all the same).
 */
export async function openDomainServices(
  dataDir: string,
  client: ActorClient,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  nats?: DomainNats,
  opened?: { keys?: KeyStore },
): Promise<DomainServices> {
  const files: FileStore = nats
    ? await ObjectFileStore.open(nats.nc, { replicas: nats.replicas })
    : new FsFileStore(`${dataDir}/files`);
  const keys: KeyStore = opened?.keys ?? await openKeyStore(dataDir, nats);
  let rates: DatedRates | undefined;
  if (env.TMS_RATES_FILE) {
    try {
      rates = parseDatedRates(
        JSON.parse(await Deno.readTextFile(env.TMS_RATES_FILE)),
      );
    } catch (error) {
      throw new RangeError(
        `TMS_RATES_FILE ${env.TMS_RATES_FILE} is not usable: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
  }
  const crons = new AbortController();
  const jobs = env.TMS_CRONS === "off"
    ? []
    : registerSchedules(client, { rates, signal: crons.signal });
  return {
    edge: { files, keys, rates },
    async stop() {
      crons.abort();
      await Promise.allSettled(jobs);
      await files.close();
      await keys.close();
    },
  };
}
