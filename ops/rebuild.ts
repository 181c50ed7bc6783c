/**
 * `deno task rebuild [projection…] [--batch-size=N]`: rebuilds read models
 * from feed position 0 into fresh tables and swaps them in, in one
 * transaction. Default: every projection. Shows progress (positions, events,
 * rate, ETA) on a terminal, plain lines otherwise; exits 1 with a one-line
 * reason on failure.
 *
 * With PGlite (no `DATABASE_URL`) the read model is in the node's process:
 * stop the node first. With PostgreSQL a running node keeps serving the old
 * tables until the swap, then continues from the new checkpoint.
 */
import { readModelProjections } from "../actors/mod.ts";
import { rebuildProjections } from "../runtime/projection/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { Projection, RebuildProgress } from "../runtime/projection/mod.ts";
import type { SqlStore } from "../runtime/sql/mod.ts";
import { oneLine, openEventLog, openReadStore } from "./read_side_env.ts";

/** Parsed command line of the rebuild task. */
export interface RebuildArgs {
  projections: Projection[];
  batchSize: number;
}

/** Parses `[projection…] [--batch-size=N]`; throws `TypeError` naming a bad argument. */
export function parseRebuildArgs(
  args: readonly string[],
  known: readonly Projection[] = readModelProjections,
): RebuildArgs {
  let batchSize = 5000;
  const names: string[] = [];
  for (const arg of args) {
    const batch = /^--batch-size=(\d+)$/.exec(arg);
    if (batch) {
      batchSize = Number(batch[1]);
      if (batchSize < 1 || batchSize > 50_000) {
        throw new TypeError("--batch-size must be from 1 to 50000");
      }
    } else if (arg.startsWith("-")) {
      throw new TypeError(`Unknown option ${arg}`);
    } else {
      names.push(arg);
    }
  }
  const projections = names.length === 0 ? [...known] : names.map((name) => {
    const projection = known.find((p) => p.name === name);
    if (!projection) {
      throw new TypeError(
        `Unknown projection ${name}; known: ${
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
  let store: SqlStore | undefined;
  let log: EventLog | undefined;
  const controller = new AbortController();
  const interrupt = () =>
    controller.abort(new Error("Interrupted; nothing was swapped in"));
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    const args = parseRebuildArgs(Deno.args);
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
    console.error(`rebuild failed: ${oneLine(error)}`);
    Deno.exit(1);
  }
}
