/**
 * The `backup` and `trace` sections of `deno task bench`.
 *
 * backup: backup, verify and restore throughput (commits/s) as ratios of the
 * raw feed read of the same log in the same run — embedded (Deno KV) and
 * distributed (JetStream, its own nats-server) — each the median of three
 * rounds that alternate with the baseline.
 *
 * trace: what a span seam costs with tracing off (this process has no
 * OTEL_DENO): `withSpan` around a call against the call alone, and that cost
 * as a share of one in-process command.
 */
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { JetStreamEventLog } from "../runtime/log/jetstream/mod.ts";
import {
  distributedSource,
  distributedTarget,
  embeddedSource,
  embeddedTarget,
  restoreBackup,
  verifyBackup,
  writeBackup,
} from "../runtime/backup/mod.ts";
import type { ClosableSource, ClosableTarget } from "../runtime/backup/mod.ts";
import { tracingEnabled, withSpan } from "../runtime/telemetry/mod.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { registerActors, withDomainUpcasters } from "../actors/mod.ts";
import { domainHasher } from "./backup_support.ts";
import { fillLog, syntheticCommits } from "./bench_projections.ts";
import { ratio } from "./bench_support.ts";
import { natsConnect } from "../deps.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { NatsServer } from "../tests/support/nats_server.ts";
import { median } from "./stats.ts";

/** One row of the backup or trace section. */
export interface BackupBenchRow {
  section: "backup" | "trace";
  name: string;
  value: number;
  unit: string;
  ratio?: string;
}

const ROUNDS = 3;

async function feedRate(log: EventLog, head: number): Promise<number> {
  const began = performance.now();
  for (let p = 0; p < head;) {
    const batch = await log.readFeed(p, 1000);
    p = batch[batch.length - 1].position;
  }
  return head / ((performance.now() - began) / 1000);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await fn();
  return (performance.now() - began) / 1000;
}

async function toFile(
  path: string,
  write: (sink: WritableStream<Uint8Array>) => Promise<unknown>,
): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  await write(file.writable);
}

const open = (path: string) => async () => (await Deno.open(path)).readable;

interface Mode {
  label: string;
  feed: () => Promise<number>;
  source: () => Promise<ClosableSource>;
  /** A fresh empty target per round, and how to drop it. */
  target: (
    round: number,
  ) => Promise<{ target: ClosableTarget; drop: () => Promise<void> }>;
}

async function measure(
  mode: Mode,
  commits: number,
  dir: string,
  progress: (message: string) => void,
): Promise<BackupBenchRow[]> {
  const feed: number[] = [];
  const backup: number[] = [];
  const verify: number[] = [];
  const restore: number[] = [];
  const archive = `${dir}/${mode.label}.tar.gz`;
  for (let round = 0; round < ROUNDS; round++) {
    progress(`backup, ${mode.label}: round ${round + 1} of ${ROUNDS}`);
    feed.push(await mode.feed());
    const source = await mode.source();
    try {
      backup.push(
        commits /
          await timed(() =>
            toFile(
              archive,
              (sink) => writeBackup(source, sink, { hasher: domainHasher() }),
            )
          ),
      );
    } finally {
      await source.close();
    }
    verify.push(
      commits /
        await timed(async () =>
          await verifyBackup(await open(archive)(), domainHasher())
        ),
    );
    const { target, drop } = await mode.target(round);
    try {
      restore.push(
        commits /
          await timed(() =>
            restoreBackup(open(archive), target, { hasher: domainHasher() })
          ),
      );
    } finally {
      await target.close();
      await drop();
    }
  }
  const base = median(feed);
  const size = (await Deno.stat(archive)).size;
  return [
    {
      section: "backup",
      name:
        `${mode.label}: raw feed read (${commits} commits, batches of 1000, median of ${ROUNDS}) — baseline`,
      value: Math.round(base),
      unit: "commits/s",
      ratio: "1.00×",
    },
    {
      section: "backup",
      name: `${mode.label}: backup (feed + state hashes + gzip'd tar to disk, ${
        (size / 1024 / 1024).toFixed(1)
      } MiB)`,
      value: Math.round(median(backup)),
      unit: "commits/s",
      ratio: ratio(median(backup), base),
    },
    {
      section: "backup",
      name: `${mode.label}: backup:verify (hashes + replayed states)`,
      value: Math.round(median(verify)),
      unit: "commits/s",
      ratio: ratio(median(verify), base),
    },
    {
      section: "backup",
      name:
        `${mode.label}: restore into an empty store (verify pass + write pass)`,
      value: Math.round(median(restore)),
      unit: "commits/s",
      ratio: ratio(median(restore), base),
    },
  ];
}

/** The backup section: embedded, then distributed. */
export async function benchBackup(
  options: { commits?: number; progress?: (message: string) => void } = {},
): Promise<BackupBenchRow[]> {
  const commits = options.commits ?? 20_000;
  const progress = options.progress ?? (() => {});
  const rows: BackupBenchRow[] = [];
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-backup-" });
  try {
    progress(`backup: writing ${commits} commits to a Deno KV log`);
    const kvDir = `${dir}/embedded`;
    await Deno.mkdir(kvDir);
    const writer = await KvEventLog.open(`${kvDir}/events.kv`);
    await fillLog(writer, syntheticCommits(commits));
    await writer.close();
    rows.push(
      ...await measure(
        {
          label: "embedded",
          feed: async () => {
            const log = await KvEventLog.open(`${kvDir}/events.kv`);
            try {
              return await feedRate(log, commits);
            } finally {
              await log.close();
            }
          },
          source: () => embeddedSource(kvDir),
          target: (round) => {
            const into = `${dir}/restored-${round}`;
            return Promise.resolve({
              target: embeddedTarget(into),
              drop: () => Deno.remove(into, { recursive: true }),
            });
          },
        },
        commits,
        dir,
        progress,
      ),
    );

    const nats = await NatsServer.start({ name: "tms-bench-backup" });
    try {
      progress(`backup: writing ${commits} commits to JetStream`);
      const nc = await natsConnect({ servers: nats.url, noAsyncTraces: true });
      try {
        const log = await JetStreamEventLog.open(nc);
        await fillLog(log, syntheticCommits(commits));
        await log.close();
        rows.push(
          ...await measure(
            {
              label: "distributed",
              feed: async () => {
                const reader = await JetStreamEventLog.open(nc);
                try {
                  return await feedRate(reader, commits);
                } finally {
                  await reader.close();
                }
              },
              source: () => distributedSource(nc),
              target: async () => {
                const fresh = await NatsServer.start({
                  name: "tms-bench-restore",
                });
                const tc = await natsConnect({
                  servers: fresh.url,
                  noAsyncTraces: true,
                });
                return {
                  target: distributedTarget(tc),
                  drop: async () => {
                    await tc.close();
                    await fresh.dispose();
                  },
                };
              },
            },
            commits,
            dir,
            progress,
          ),
        );
      } finally {
        await nc.close();
      }
    } finally {
      await nats.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}

/** The trace section: a seam's cost with tracing off. */
export async function benchTrace(
  options: { progress?: (message: string) => void } = {},
): Promise<BackupBenchRow[]> {
  const progress = options.progress ?? (() => {});
  if (tracingEnabled()) {
    throw new Error(
      "Run the trace section without OTEL_DENO: it measures tracing off",
    );
  }
  progress("trace: withSpan with tracing off against the bare call");
  const calls = 2_000_000;
  const work = () => Promise.resolve(1);
  const bare: number[] = [];
  const seam: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (
      const [list, fn] of [
        [bare, work],
        [seam, () => withSpan("tms.bench", {}, work)],
      ] as const
    ) {
      const began = performance.now();
      for (let i = 0; i < calls; i++) await fn();
      list.push(((performance.now() - began) * 1e6) / calls);
    }
  }
  const extra = Math.max(0, median(seam) - median(bare));
  progress("trace: in-process commands on a memory log, for the share");
  const system = registerActors(
    new ActorSystem({ log: withDomainUpcasters(new MemoryEventLog()) }),
  );
  const commands = 20_000;
  const began = performance.now();
  await Promise.all(Array.from({ length: 100 }, async (_, worker) => {
    const id = `bench-${worker}`;
    await system.ask("bedrift", id, {
      type: "register",
      organisasjonsnummer: "923609016",
      details: { navn: `Benk ${worker}` },
      at: "2026-01-05T09:00:00.000Z",
    });
    for (let i = 1; i < commands / 100; i++) {
      await system.ask("bedrift", id, {
        type: "update",
        changes: { poststed: `Sted ${i}` },
        at: "2026-01-05T09:00:00.000Z",
      });
    }
  }));
  const perCommandNs = ((performance.now() - began) * 1e6) / commands;
  await system.shutdown();
  // Seams a command passes: ask, append, and its share of a projection batch.
  const seams = 3;
  return [
    {
      section: "trace",
      name: "bare async call (median of 5 × 2M) — baseline",
      value: Number(median(bare).toFixed(1)),
      unit: "ns/call",
      ratio: "1.00×",
    },
    {
      section: "trace",
      name: "the same call through withSpan, tracing off",
      value: Number(median(seam).toFixed(1)),
      unit: "ns/call",
      ratio: ratio(median(seam), median(bare)),
    },
    {
      section: "trace",
      name:
        `in-process command on a memory log (100 actors, ${commands} commands)`,
      value: Math.round(perCommandNs),
      unit: "ns/command",
    },
    {
      section: "trace",
      name: `${seams} seams off as a share of one command`,
      value: Number(((seams * extra) / perCommandNs * 100).toFixed(3)),
      unit: "%",
    },
  ];
}
