/**
 * `deno task rebuild [projection…] [--batch-size N]`: rebuilds read models
 * from feed position 0 into fresh tables and swaps them in, in one
 * transaction; see {@linkcode rebuildTask} or `--help`.
 */
import { readModelProjections } from "../actors/mod.ts";
import { rebuildProjections } from "../runtime/projection/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { Projection, RebuildProgress } from "../runtime/projection/mod.ts";
import type { SqlStore } from "../runtime/sql/mod.ts";
import { parseTaskArgs, runTask, UsageError } from "./cli.ts";
import type { TaskArgs, TaskSpec } from "./cli.ts";
import {
  EVENT_LOG_ENV,
  openEventLog,
  openReadStore,
  READ_STORE_ENV,
} from "./read_side_env.ts";

/** `deno task rebuild`: its flags, environment and usage text. */
export const rebuildTask: TaskSpec = {
  name: "rebuild",
  summary:
    "Rebuilds read models from feed position 0 into fresh tables and swaps them in, in one transaction.",
  positionals: "[projection…]",
  details:
    `No projection named rebuilds them all. Shows progress (positions, events,
rate, ETA) on a terminal, plain lines otherwise. With PGlite (no DATABASE_URL)
the read model is in the node's process: stop the node first. With PostgreSQL
a running node keeps serving the old tables until the swap, then continues
from the new checkpoint. Ctrl-C stops the rebuild; nothing is swapped in then.`,
  flags: [{
    name: "batch-size",
    value: "N",
    default: "5000",
    description: "commits per transaction, 1 to 50000",
  }],
  env: [...READ_STORE_ENV, ...EVENT_LOG_ENV],
  examples: [
    "deno task rebuild",
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres deno task rebuild --batch-size 10000",
  ],
};

/** Parsed command line of the rebuild task. */
export interface RebuildArgs {
  projections: Projection[];
  batchSize: number;
}

/** Parses `[projection…] [--batch-size N]`; throws `UsageError` naming a bad argument. */
export function parseRebuildArgs(
  args: readonly string[] | TaskArgs,
  known: readonly Projection[] = readModelProjections,
): RebuildArgs {
  const parsed = "positionals" in args
    ? args
    : parseTaskArgs(rebuildTask, args);
  const batchSize = parsed.int("batch-size", 5000, { min: 1, max: 50_000 });
  const names = parsed.positionals;
  const projections = names.length === 0 ? [...known] : names.map((name) => {
    const projection = known.find((p) => p.name === name);
    if (!projection) {
      throw new UsageError(
        `unknown projection ${name}; known: ${
          known.map((p) => p.name).join(", ")
        }`,
      );
    }
    return projection;
  });
  return { projections, batchSize };
}

/** Renders progress: one rewritten line on a terminal, a line every 2 s otherwise. */
export function progressPrinter(
  terminal: boolean,
  write: (text: string) => void,
): (progress: RebuildProgress) => void {
  let lastPlain = 0;
  return (p) => {
    const pct = p.head > 0 ? Math.min(100, (p.position / p.head) * 100) : 100;
    const eta = p.etaMs === null ? "?" : formatDuration(p.etaMs);
    const line = `rebuild ${p.projections.join(", ")} [${p.phase}] ${
      p.position.toLocaleString("en")
    }/${p.head.toLocaleString("en")} positions (${pct.toFixed(1)}%), ${
      p.events.toLocaleString("en")
    } events, ${
      Math.round(p.eventsPerSecond).toLocaleString("en")
    } events/s, ETA ${eta}`;
    if (terminal) {
      write(`\r\x1b[2K${line}${p.phase === "done" ? "\n" : ""}`);
      return;
    }
    const now = performance.now();
    if (p.phase === "replay" && now - lastPlain < 2000) return;
    lastPlain = now;
    write(`${line}\n`);
  };
}

function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Runs a rebuild against open backends; returns the summary line. */
export async function runRebuild(
  store: SqlStore,
  log: EventLog,
  args: RebuildArgs,
  onProgress?: (progress: RebuildProgress) => void,
  options: { signal?: AbortSignal } = {},
): Promise<string> {
  const started = performance.now();
  const results = await rebuildProjections(store, log, args.projections, {
    batchSize: args.batchSize,
    onProgress,
    signal: options.signal,
  });
  const seconds = (performance.now() - started) / 1000;
  return `Rebuilt ${
    results.map((r) => `${r.projection} (${r.events} events)`).join(", ")
  } to position ${results[0]?.position ?? 0} in ${seconds.toFixed(1)} s`;
}

if (import.meta.main) {
  await runTask(rebuildTask, async (taskArgs) => {
    const args = parseRebuildArgs(taskArgs);
    let store: SqlStore | undefined;
    let log: EventLog | undefined;
    const controller = new AbortController();
    const interrupt = () =>
      controller.abort(new Error("Interrupted; nothing was swapped in"));
    Deno.addSignalListener("SIGINT", interrupt);
    try {
      log = await openEventLog();
      store = await openReadStore();
      const encoder = new TextEncoder();
      const print = progressPrinter(
        Deno.stdout.isTerminal(),
        (text) => Deno.stdout.writeSync(encoder.encode(text)),
      );
      console.log(await runRebuild(store, log, args, print, controller));
      await store.close();
      await log.close();
      Deno.removeSignalListener("SIGINT", interrupt);
    } catch (error) {
      await store?.close().catch(() => {});
      await log?.close().catch(() => {});
      if (Deno.stdout.isTerminal()) console.error();
      throw error;
    }
  });
}
