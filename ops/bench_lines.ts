/**
 * The `lines` section of `deno task bench`: the cost of one more line on a
 * big draft against a small one. In one process, for drafts of 5 and of 150
 * lines alternately (five rounds each, medians: other work on a shared
 * machine halves a run now and then): in-process commands on a
 * Deno KV log with projections off (add a line, then remove it again, so
 * the draft stays at its size), then the `invoices` projection of exactly
 * those commands into PostgreSQL. The ratio big/small is the figure: 1.00×
 * means a line costs the same whatever the draft holds. The same figure for
 * commands on an employee with 5 and 150 past shifts (clock in, clock out)
 * and a kontroll of 5 and 150 recorded check points (a point recorded again)
 * follows, from `bench_flat_cost.ts` (three rounds of 2 s per size).
 */
import { registerActors, withDomainUpcasters } from "../actors/mod.ts";
import { registerBedrift } from "../actors/bedrift/mod.ts";
import { INVOICE, invoicesProjection } from "../actors/invoice/mod.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { ProjectionEngine } from "../runtime/projection/mod.ts";
import { PostgresStore } from "../runtime/sql/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";
import { alternatingRounds } from "./bench_support.ts";
import { median } from "./stats.ts";
import { benchFlatCost } from "./bench_flat_cost.ts";
import type { FlatCostBenchOptions } from "./bench_flat_cost.ts";

/** One figure of the section. */
export interface LinesBenchRow {
  name: string;
  value: number;
  unit: string;
  ratio?: string;
  target?: string;
  met?: boolean;
}

/** Sizes of the section; every field has a default. */
export interface LinesBenchOptions {
  /** Line counts compared: [small, big] (default [5, 150]). */
  sizes?: readonly [number, number];
  /** Alternating rounds per size (default 5). */
  rounds?: number;
  /** Seconds of commands per run (default 3). */
  seconds?: number;
  /** Drafts per run, one command in flight on each (default 64). */
  drafts?: number;
  /** Commits per projection transaction (default 100, about a lingering live batch). */
  batchSize?: number;
  databaseUrl?: string;
  /** Rounds, seconds and aggregates of the employee and kontroll rows (defaults 3, 2, 64; sizes as above). */
  flatCost?: Omit<FlatCostBenchOptions, "sizes" | "progress">;
  progress?: (message: string) => void;
}

/** One run at one draft size. */
interface LinesRun {
  /** Line commands (adds and removes) per second. */
  commands: number;
  /** The same commands projected, per second. */
  projected: number;
}

const AT = "2026-01-05T09:00:00.000Z";

async function linesRun(
  lines: number,
  o: Required<Omit<LinesBenchOptions, "progress" | "sizes" | "flatCost">>,
): Promise<LinesRun> {
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-lines-" });
  const log: EventLog = withDomainUpcasters(
    await KvEventLog.open(`${dir}/events.kv`),
  );
  const system = registerActors(new ActorSystem({ log }));
  const schema = `tms_bench_${crypto.randomUUID().slice(0, 8)}`;
  const store = await PostgresStore.open({
    databaseUrl: o.databaseUrl,
    schema,
  });
  const engine = (batchSize: number) =>
    new ProjectionEngine({
      store,
      log,
      projections: [invoicesProjection],
      batchSize,
      lingerMs: 0,
    });
  try {
    let seed = Math.floor(Math.random() * 1_000_000);
    let orgnr: string | null = null;
    while (!orgnr) orgnr = organisasjonsnummerFor(seed++);
    const bedriftId = crypto.randomUUID();
    await registerBedrift(system, {
      id: bedriftId,
      organisasjonsnummer: orgnr,
      details: { navn: "Benk Trafikkskole" },
      at: AT,
    });
    const ids = Array.from({ length: o.drafts }, (_, i) => `bench-lines-${i}`);
    const line = (lineId: string) => ({
      type: "add_line",
      lineId,
      beskrivelse: "Kjøretime 45 min",
      antall: "1.5",
      enhetspris: "780.00",
      mvaSats: 25,
      at: AT,
    });
    await Promise.all(ids.map(async (id) => {
      await system.ask(INVOICE, id, {
        type: "draft",
        bedriftId,
        kunde: { navn: "Kari Nordmann" },
        at: AT,
      });
      for (let l = 0; l < lines; l++) {
        await system.ask(INVOICE, id, line(`seed-${l}`));
      }
    }));
    // The drafts as they stand are projected before the measured commands.
    const seeded = await log.headPosition();
    const catchUp = engine(1000);
    await catchUp.start();
    await catchUp.waitFor(seeded);
    await catchUp.stop();

    let commands = 0;
    const started = performance.now();
    const until = started + o.seconds * 1000;
    await Promise.all(ids.map(async (id) => {
      for (let n = 0; performance.now() < until; n++) {
        await system.ask(INVOICE, id, line(`x-${n}`));
        await system.ask(INVOICE, id, {
          type: "remove_line",
          lineId: `x-${n}`,
          at: AT,
        });
        commands += 2;
      }
    }));
    const commandRate = commands / ((performance.now() - started) / 1000);

    const head = await log.headPosition();
    const measured = engine(o.batchSize);
    const projectStart = performance.now();
    await measured.start();
    await measured.waitFor(head);
    const projected = (head - seeded) /
      ((performance.now() - projectStart) / 1000);
    await measured.stop();
    return { commands: commandRate, projected };
  } finally {
    await system.shutdown();
    await log.close();
    await store.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(
      () => {},
    );
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs the section and returns its rows: per size the median command and
 * projection rates, and the big/small ratios (target ≥ 0.85×); then the
 * employee and kontroll command rows (`benchFlatCost`).
 *
 * @example
 * ```ts
 * for (const row of await benchLines({ rounds: 1 })) console.log(row);
 * ```
 */
export async function benchLines(
  options: LinesBenchOptions = {},
): Promise<LinesBenchRow[]> {
  const progress = options.progress ?? (() => {});
  const [small, big] = options.sizes ?? [5, 150];
  const o = {
    rounds: options.rounds ?? 5,
    seconds: options.seconds ?? 3,
    drafts: options.drafts ?? 64,
    batchSize: options.batchSize ?? 100,
    databaseUrl: options.databaseUrl ?? Deno.env.get("DATABASE_URL") ??
      "postgres://postgres@127.0.0.1:5432/postgres",
  };
  const runs = await alternatingRounds(
    [small, big],
    o.rounds,
    async (size, round) => {
      progress(
        `lines: drafts of ${size} lines, add + remove (${round}/${o.rounds})`,
      );
      const run = await linesRun(size, o);
      progress(
        `lines: ${size} lines: ${Math.round(run.commands)} commands/s, ${
          Math.round(run.projected)
        } projected/s`,
      );
      return run;
    },
  );
  const of = (size: number, key: keyof LinesRun) =>
    median(runs.get(size)!.map((r) => r[key]));
  const rows: LinesBenchRow[] = [];
  const what =
    `${o.drafts} drafts, one in flight each, add a line then remove it`;
  for (
    const [key, label, unit] of [
      [
        "commands",
        `line commands in-process, projections off (${what})`,
        "commands/s",
      ],
      [
        "projected",
        `invoices projection of those commands (PostgreSQL, batches of ${o.batchSize})`,
        "events/s",
      ],
    ] as const
  ) {
    const base = of(small, key);
    const value = of(big, key);
    rows.push({
      name:
        `${label}, drafts of ${small} lines (median of ${o.rounds}, alternating) — baseline`,
      value: base,
      unit,
      ratio: "1.00×",
    }, {
      name:
        `${label}, drafts of ${big} lines (median of ${o.rounds}, alternating)`,
      value,
      unit,
      ratio: `${(value / base).toFixed(2)}×`,
      target: `≥ 0.85× ${small} lines`,
      met: value / base >= 0.85,
    });
  }
  rows.push(
    ...await benchFlatCost({
      ...options.flatCost,
      sizes: [small, big],
      progress,
    }),
  );
  return rows;
}

if (import.meta.main) {
  const rows = await benchLines({
    progress: (m) => console.error(`[bench] ${m}`),
  });
  console.table(rows);
}
