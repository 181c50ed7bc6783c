/**
 * Backup sources and restore targets over the node's stores: embedded (the
 * Deno KV log `events.kv`, its named feed checkpoints included, and `files/`
 * under the data directory) and distributed (`TMS_EVENTS`, `tms_snapshots`,
 * `tms_files` and the checkpoints of `tms_consumers` in JetStream).
 * Key stores are separate (`keys.ts`): they never go into a data backup.
 */
import type { NatsConnection } from "../../deps.ts";
import { KvFeedReader, KvFeedWriter } from "../log/kv/mod.ts";
import {
  JetStreamEventLog,
  JetStreamFeedCheckpoints,
} from "../log/jetstream/mod.ts";
import {
  jetStreamContents,
  JetStreamImporter,
  jetStreamSnapshots,
} from "../log/jetstream/mod.ts";
import { FsFileStore } from "../storage/mod.ts";
import { ObjectFileStore } from "../storage/mod.ts";
import type { AesKeyStore } from "../storage/mod.ts";
import { RestoreRefused } from "./types.ts";
import type {
  BackupSource,
  KeyTarget,
  RestoreTarget,
  StoredSnapshot,
} from "./types.ts";

/** The embedded store's files under a data directory. */
export const EmbeddedPaths = {
  log: (dir: string) => `${dir}/events.kv`,
  files: (dir: string) => `${dir}/files`,
  readModels: (dir: string) => `${dir}/readmodel`,
} as const;

/** A source with its resources to release. */
export type ClosableSource = BackupSource & { close(): Promise<void> };
/** A target with its resources to release. */
export type ClosableTarget = RestoreTarget & { close(): Promise<void> };

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The embedded node's data, read while the node runs: the KV file is opened
 * by a second process (SQLite allows it) and only read; feed chunks are
 * written once and never changed, so the feed up to the head read at the
 * start is stable.
 */
export async function embeddedSource(dataDir: string): Promise<ClosableSource> {
  const path = EmbeddedPaths.log(dataDir);
  if (!(await exists(path))) {
    throw new RangeError(`No event log at ${path}`);
  }
  const reader = await KvFeedReader.open(path);
  const files = new FsFileStore(EmbeddedPaths.files(dataDir));
  return {
    mode: "embedded",
    headPosition: () => reader.headPosition(),
    readFeed: (after, limit) => reader.readFeed(after, limit),
    snapshots: () => reader.snapshots(),
    files: () => files.list(),
    readFile: async (id) => (await files.get(id))?.data ?? null,
    checkpoints: () => reader.checkpoints(),
    close: () => Promise.resolve(reader.close()),
  };
}

/**
 * An embedded data directory to restore into. Empty means: no commit or
 * snapshot in `events.kv`, no stored file, and no read models (they would
 * hold checkpoints of another history; the node rebuilds them from the
 * restored log at start). Keys may be there (restored first, or after).
 */
export function embeddedTarget(dataDir: string): ClosableTarget {
  let writer: KvFeedWriter | null = null;
  const files = new FsFileStore(EmbeddedPaths.files(dataDir));
  const log = async () => {
    if (!writer) {
      await Deno.mkdir(dataDir, { recursive: true });
      writer = await KvFeedWriter.open(EmbeddedPaths.log(dataDir));
    }
    return writer;
  };
  return {
    mode: "embedded",
    async assertEmpty() {
      const path = EmbeddedPaths.log(dataDir);
      if (await exists(path)) {
        const reader = await KvFeedReader.open(path);
        try {
          if (!(await reader.isEmpty())) {
            throw new RestoreRefused(
              `${path} is not empty: restore into an empty data directory`,
            );
          }
        } finally {
          reader.close();
        }
      }
      for await (const info of files.list()) {
        throw new RestoreRefused(
          `${
            EmbeddedPaths.files(dataDir)
          } holds files (${info.id}, …): restore into an empty data directory`,
        );
      }
      if (await hasEntries(EmbeddedPaths.readModels(dataDir))) {
        throw new RestoreRefused(
          `${
            EmbeddedPaths.readModels(dataDir)
          } holds read models of another history: remove it (the node rebuilds it from the log)`,
        );
      }
    },
    writeCommits: async (commits) => await (await log()).write(commits),
    writeSnapshot: async ({ type, id, snapshot }: StoredSnapshot) =>
      await (await log()).writeSnapshot(type, id, snapshot),
    writeFile: (info, data) => files.restore(info, data),
    writeCheckpoints: async (checkpoints) =>
      await (await log()).writeCheckpoints(checkpoints),
    close: () => Promise.resolve(writer?.close()),
  };
}

/** The cluster's data in JetStream, read while the nodes run. */
export async function distributedSource(
  nc: NatsConnection,
): Promise<ClosableSource> {
  const log = await JetStreamEventLog.open(nc);
  const files = await ObjectFileStore.open(nc);
  return {
    mode: "distributed",
    headPosition: () => log.headPosition(),
    readFeed: (after, limit) => log.readFeed(after, limit),
    snapshots: () => jetStreamSnapshots(nc),
    files: () => files.list(),
    readFile: async (id) => (await files.get(id))?.data ?? null,
    checkpoints: async () =>
      await (await JetStreamFeedCheckpoints.open(nc)).list(),
    async close() {
      await files.close();
      await log.close();
    },
  };
}

/**
 * JetStream to restore into. Empty means: `TMS_EVENTS` absent or never
 * written (a purged stream keeps counting, so positions would not be the
 * same), no snapshot, no stored file. The stream and buckets are created with
 * `replicas`.
 */
export function distributedTarget(
  nc: NatsConnection,
  options: { replicas?: number } = {},
): ClosableTarget {
  let opened:
    | Promise<{
      log: JetStreamEventLog;
      importer: JetStreamImporter;
      files: ObjectFileStore;
    }>
    | null = null;
  const open = () =>
    opened ??= (async () => {
      const log = await JetStreamEventLog.open(nc, options);
      const importer = await JetStreamImporter.open(nc, options);
      const files = await ObjectFileStore.open(nc, options);
      return { log, importer, files };
    })();
  return {
    mode: "distributed",
    async assertEmpty() {
      const { lastSeq, snapshots } = await jetStreamContents(nc);
      if (lastSeq > 0) {
        throw new RestoreRefused(
          `The stream TMS_EVENTS holds ${lastSeq} messages: restore into an empty JetStream (delete the stream first)`,
        );
      }
      if (snapshots) {
        throw new RestoreRefused(
          "The bucket tms_snapshots holds snapshots: restore into an empty JetStream",
        );
      }
      const { files } = await open();
      for await (const info of files.list()) {
        throw new RestoreRefused(
          `The object store tms_files holds files (${info.id}, …): restore into an empty JetStream`,
        );
      }
    },
    writeCommits: async (commits) =>
      await (await open()).importer.write(commits),
    writeSnapshot: async ({ type, id, snapshot }) =>
      await (await open()).importer.writeSnapshot(type, id, snapshot),
    writeFile: async (info, data) =>
      await (await open()).files.restore(info, data),
    writeCheckpoints: async (checkpoints) =>
      await (await JetStreamFeedCheckpoints.open(nc, options)).restore(
        checkpoints,
      ),
    async close() {
      if (!opened) return;
      const { log, importer, files } = await opened;
      importer.close();
      await files.close();
      await log.close();
    },
  };
}

/**
 * A key store as the target of a keys restore: empty means no key at all,
 * index keys included (a node that started already made its index keys:
 * restore the keys before the first start, or into a fresh store).
 */
export function keyTarget(store: AesKeyStore): KeyTarget {
  return {
    async assertEmpty() {
      for await (const { subject } of store.exportKeys()) {
        throw new RestoreRefused(
          `The key store holds keys (${subject}, …): restore keys into an empty key store`,
        );
      }
    },
    importKey: (subject, key) => store.importKey(subject, key),
  };
}
