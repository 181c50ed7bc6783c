/**
 * What `deno task backup`, `restore` and `backup:verify` share: the store
 * the node is configured with (TMS_DATA_DIR embedded, TMS_NATS_URL
 * distributed), the domain's state hasher, progress lines, archive names and
 * the retention of a backup directory.
 */
import { actorDefinitions, domainUpcasters } from "../actors/mod.ts";
import {
  distributedSource,
  distributedTarget,
  embeddedSource,
  embeddedTarget,
  StateHasher,
} from "../runtime/backup/mod.ts";
import type {
  BackupProgress,
  ClosableSource,
  ClosableTarget,
} from "../runtime/backup/mod.ts";
import { NatsKeyStore, openEmbeddedKeyStore } from "../runtime/storage/mod.ts";
import type { AesKeyStore } from "../runtime/storage/mod.ts";
import { natsConnect } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import type { EnvSpec } from "./cli.ts";

/** The environment the backup tasks read (the node's own names). */
export const BACKUP_ENV: EnvSpec[] = [
  {
    name: "TMS_DATA_DIR",
    default: "./data",
    description:
      "embedded: the node's data directory (events.kv, files/, keys/)",
  },
  {
    name: "TMS_NATS_URL",
    description:
      "distributed: NATS servers (TMS_EVENTS, tms_snapshots, tms_files, tms_keys)",
  },
  {
    name: "TMS_STREAM_REPLICAS",
    default: "1",
    description: "replicas of the stream and buckets a restore creates",
  },
];

/** The domain's state hasher: every aggregate's decider, events upcast first. */
export function domainHasher(): StateHasher {
  return new StateHasher(
    actorDefinitions(),
    (commit) => domainUpcasters.upcastCommit(commit),
  );
}

/** Where the node keeps its data, from the environment. */
export interface StoreConfig {
  dataDir: string;
  natsUrl?: string;
  replicas: number;
}

export function storeConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): StoreConfig {
  const replicas = Number(env.TMS_STREAM_REPLICAS || "1");
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new RangeError(
      `TMS_STREAM_REPLICAS must be an integer from 1 to 5, got "${env.TMS_STREAM_REPLICAS}"`,
    );
  }
  return {
    dataDir: env.TMS_DATA_DIR || "./data",
    natsUrl: env.TMS_NATS_URL || undefined,
    replicas,
  };
}

async function connect(url: string): Promise<NatsConnection> {
  return await natsConnect({
    servers: url.split(","),
    name: "tms-backup",
    timeout: 5_000,
    noAsyncTraces: true,
  });
}

/** Opens what the config names: the stores, and the connection to close after. */
export async function openStores<T>(
  config: StoreConfig,
  open: {
    embedded: (dataDir: string) => Promise<T> | T;
    distributed: (nc: NatsConnection) => Promise<T> | T;
  },
): Promise<{ value: T; close: () => Promise<void> }> {
  if (!config.natsUrl) {
    return {
      value: await open.embedded(config.dataDir),
      close: () => Promise.resolve(),
    };
  }
  const nc = await connect(config.natsUrl);
  try {
    return { value: await open.distributed(nc), close: () => nc.close() };
  } catch (error) {
    await nc.close();
    throw error;
  }
}

export function openSource(
  config: StoreConfig,
): Promise<{ value: ClosableSource; close: () => Promise<void> }> {
  return openStores(config, {
    embedded: embeddedSource,
    distributed: distributedSource,
  });
}

export function openTarget(
  config: StoreConfig,
): Promise<{ value: ClosableTarget; close: () => Promise<void> }> {
  return openStores(config, {
    embedded: embeddedTarget,
    distributed: (nc) => distributedTarget(nc, { replicas: config.replicas }),
  });
}

export function openKeyStore(
  config: StoreConfig,
): Promise<{ value: AesKeyStore; close: () => Promise<void> }> {
  return openStores<AesKeyStore>(config, {
    embedded: (dir) => openEmbeddedKeyStore(dir),
    distributed: (nc) => NatsKeyStore.open(nc, { replicas: config.replicas }),
  });
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Progress: one rewritten line on a terminal, a line every 2 s otherwise. */
export function progressPrinter(
  task: string,
  terminal = Deno.stderr.isTerminal(),
  write: (text: string) => void = (text) =>
    Deno.stderr.writeSync(new TextEncoder().encode(text)),
): { report: (p: BackupProgress) => void; done: () => void } {
  let last = -Infinity;
  let shown = false;
  return {
    report(p) {
      const total = p.total === null ? "" : `/${p.total.toLocaleString("en")}`;
      const eta = p.etaMs === null ? "" : `, ETA ${duration(p.etaMs)}`;
      const line = `${task} [${p.phase}] ${
        p.done.toLocaleString("en")
      }${total}, ${Math.round(p.perSecond).toLocaleString("en")}/s${eta}`;
      if (terminal) {
        write(`\r\x1b[2K${line}`);
        shown = true;
        return;
      }
      const now = performance.now();
      if (now - last < 2000) return;
      last = now;
      write(`${line}\n`);
    },
    done() {
      if (terminal && shown) write("\n");
    },
  };
}

/** File names of archives in a backup directory: `tms-<kind>-<UTC stamp>.tar.gz`. */
const ARCHIVE_NAME = /^tms-(data|keys)-(\d{8}T\d{6}Z)(?:-p\d+)?\.tar\.gz$/;

/** The name of a new archive taken at `at`. */
export function archiveName(
  kind: "data" | "keys",
  at: Date,
  position?: number,
): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `tms-${kind}-${stamp}${
    position === undefined ? "" : `-p${position}`
  }.tar.gz`;
}

/** When an archive named by `archiveName` was taken, or null for another file. */
export function archiveTime(name: string): Date | null {
  const match = ARCHIVE_NAME.exec(name);
  if (!match) return null;
  const s = match[2];
  return new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${
      s.slice(11, 13)
    }:${s.slice(13, 15)}Z`,
  );
}

/**
 * Deletes the archives in `dir` taken more than `keepDays` days before `now`
 * (by the time in their names). Other files, and archives of either kind
 * that are younger, stay. Returns the names deleted.
 */
export async function applyRetention(
  dir: string,
  keepDays: number,
  now = new Date(),
): Promise<string[]> {
  const cutoff = now.getTime() - keepDays * 24 * 60 * 60_000;
  const deleted: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const at = archiveTime(entry.name);
    if (at === null || at.getTime() >= cutoff) continue;
    await Deno.remove(`${dir}/${entry.name}`);
    deleted.push(entry.name);
  }
  return deleted.sort();
}

/** The newest data archive in `dir` (by its name), or null. */
export async function newestArchive(
  dir: string,
): Promise<{ name: string; at: Date } | null> {
  let newest: { name: string; at: Date } | null = null;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.startsWith("tms-data-")) continue;
      const at = archiveTime(entry.name);
      if (at && (!newest || at > newest.at)) newest = { name: entry.name, at };
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return newest;
}

/** A readable stream of the file at `path`. */
export async function openArchive(
  path: string,
): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  return file.readable;
}
