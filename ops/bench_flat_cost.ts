/**
 * The employee and kontroll rows of the `lines` section: the same flat-cost
 * figure as the invoice's lines (issue 17) for two more aggregates. In one
 * process, for aggregates of 5 and of 150 repeated events alternately (three
 * rounds each by default, medians), in-process commands on a Deno KV log
 * with projections off, 64 aggregates with one command in flight each:
 *
 * - employee: 5 or 150 past shifts (150 ≈ a year), then clock in and clock
 *   out again, one shift after the other;
 * - kontroll: built from a template of 5 or 150 check points, every point
 *   recorded, then one point recorded failed and recorded passed again (the
 *   points taken in turn), so the kontroll keeps its size.
 *
 * The ratio big/small is the figure: 1.00× means a command costs the same
 * whatever the aggregate holds.
 */
import { registerActors, withDomainUpcasters } from "../actors/mod.ts";
import { registerBedrift } from "../actors/bedrift/mod.ts";
import { EMPLOYEE } from "../actors/employee/mod.ts";
import { createKontroll, KONTROLL } from "../actors/kontroll/mod.ts";
import type { Participant } from "../actors/kontroll/mod.ts";
import { createKontrollMal } from "../actors/kontroll_mal/mod.ts";
import type { Sjekkpunkt } from "../actors/kontroll_mal/mod.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import type { LinesBenchRow } from "./bench_lines.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";
import { alternatingRounds } from "./bench_support.ts";
import { median } from "./stats.ts";

/** Sizes of the employee and kontroll rows; every field has a default. */
export interface FlatCostBenchOptions {
  /** Repeated events compared: [small, big] (default [5, 150]). */
  sizes?: readonly [number, number];
  /** Alternating rounds per size (default 3). */
  rounds?: number;
  /** Seconds of commands per run (default 2). */
  seconds?: number;
  /** Aggregates per run, one command in flight on each (default 64). */
  aggregates?: number;
  progress?: (message: string) => void;
}

/** One aggregate measured: how it is seeded and what one step of the loop asks. */
interface FlatCostCase {
  /** Short name: first word of the row, temp directory, aggregate ids. */
  name: string;
  /** What a step asks, for the row name. */
  measured: string;
  /** The aggregates, for the row name: "employees", "kontroller". */
  plural: string;
  /** What `size` counts, for the target: "5 past shifts". */
  of(size: number): string;
  /** The aggregate at `size`, for the row name. */
  sized(size: number): string;
  /** Creates and fills `ids` with `size` repeated events each. */
  seed(
    system: ActorClient,
    bedriftId: string,
    ids: readonly string[],
    size: number,
  ): Promise<void>;
  /** Step `n` on aggregate `id` of `size`; the number of commands asked. */
  step(
    system: ActorClient,
    id: string,
    size: number,
    n: number,
  ): Promise<number>;
}

const AT = "2026-01-05T09:00:00.000Z";
const DAY_MS = 24 * 60 * 60 * 1000;
const FIRST_SHIFT_MS = Date.parse("2025-01-06T07:00:00.000Z");

const iso = (ms: number) => new Date(ms).toISOString();

/** Past shift `k`: day `k` from the first, 07:00–15:00 UTC. */
const pastShift = (k: number) => FIRST_SHIFT_MS + k * DAY_MS;

const employeeCase: FlatCostCase = {
  name: "employee",
  measured: "clock in then clock out",
  plural: "employees",
  of: (size) => `${size} past shifts`,
  sized: (size) => `employees with ${size} past shifts`,
  async seed(system, bedriftId, ids, size) {
    // All employees at once, so the log group-commits their shifts: 150
    // shifts of 64 employees (19,264 commands) take 1–2 s.
    await Promise.all(ids.map(async (id, i) => {
      await system.ask(EMPLOYEE, id, {
        type: "hire",
        id,
        bedriftId,
        ansattnummer: String(1000 + i),
        fornavn: "Kari",
        etternavn: "Nordmann",
        epost: `kari.${i}@benk.no`,
        role: "TRAFIKKLARER",
        stillingsprosent: 100,
        startDate: "2025-01-06",
        at: AT,
      });
      for (let k = 0; k < size; k++) {
        const at = pastShift(k);
        await system.ask(EMPLOYEE, id, {
          type: "clock_in",
          shiftId: `past-${k}`,
          at: iso(at),
        });
        await system.ask(EMPLOYEE, id, {
          type: "clock_out",
          at: iso(at + 8 * 60 * 60 * 1000),
        });
      }
    }));
  },
  async step(system, id, size, n) {
    // After the past shifts, ten minutes apart: never an overlap.
    const at = pastShift(size + 1) + n * 10 * 60 * 1000;
    await system.ask(EMPLOYEE, id, {
      type: "clock_in",
      shiftId: `x-${n}`,
      at: iso(at),
    });
    await system.ask(EMPLOYEE, id, {
      type: "clock_out",
      at: iso(at + 5 * 60 * 1000),
    });
    return 2;
  },
};

const LAERER: Participant = { role: "LAERER", userId: "bench-laerer" };

const pointId = (k: number) => `punkt-${k}`;

function sjekkpunkter(size: number): Sjekkpunkt[] {
  return Array.from({ length: size }, (_, k) => ({
    id: pointId(k),
    tittel: `Sjekkpunkt ${k + 1}`,
    beskrivelse: "Lys, dekk og bremser",
    kind: k % 2 === 0 ? "VISUELL" : "FYSISK",
    answerType: "CHECKBOX",
    required: true,
    signedOffBy: "BEGGE",
    licenceClass: "B",
  }));
}

const recordPoint = (k: number, value: boolean) => ({
  type: "record_point",
  pointId: pointId(k),
  value,
  comment: value ? null : "Ikke i orden",
  by: LAERER,
  at: AT,
});

const kontrollCase: FlatCostCase = {
  name: "kontroll",
  measured: "a recorded point recorded failed then passed again",
  plural: "kontroller",
  of: (size) => `${size} check points`,
  sized: (size) => `kontroller of ${size} check points, all recorded`,
  async seed(system, bedriftId, ids, size) {
    const malId = `bench-mal-${size}`;
    await createKontrollMal(system, {
      id: malId,
      bedriftId,
      navn: `Benk, ${size} punkter`,
      sjekkpunkter: sjekkpunkter(size),
      at: AT,
    });
    await Promise.all(ids.map(async (id) => {
      await createKontroll(system, {
        id,
        malId,
        registreringsnummer: "EL12345",
        instructorId: LAERER.userId,
        learnerId: null,
        at: AT,
      });
      for (let k = 0; k < size; k++) {
        await system.ask(KONTROLL, id, recordPoint(k, true));
      }
    }));
  },
  async step(system, id, size, n) {
    const k = n % size;
    await system.ask(KONTROLL, id, recordPoint(k, false));
    await system.ask(KONTROLL, id, recordPoint(k, true));
    return 2;
  },
};

/** One run at one size. */
interface FlatRun {
  /** Commands per second. */
  commands: number;
  /** Snapshots written and refused while the commands ran. */
  snapshots: { saved: number; failed: number };
}

/** Commands per second on `aggregates` aggregates of `size`, in a fresh log. */
async function flatRun(
  c: FlatCostCase,
  size: number,
  o: Required<Omit<FlatCostBenchOptions, "progress" | "sizes">>,
): Promise<FlatRun> {
  const dir = await Deno.makeTempDir({ prefix: `tms-bench-${c.name}-` });
  const log: EventLog = withDomainUpcasters(
    await KvEventLog.open(`${dir}/events.kv`),
  );
  // Snapshots are counted for the progress line; one the log refuses (over
  // the ~800 KiB a KV atomic holds in parts) only makes the actor system
  // warn, so it is counted here and named in the row instead.
  const snapshots = { saved: 0, failed: 0 };
  const save = log.saveSnapshot.bind(log);
  log.saveSnapshot = async (type, id, snapshot, options) => {
    try {
      await save(type, id, snapshot, options);
      snapshots.saved++;
    } catch {
      snapshots.failed++;
    }
  };
  const system = registerActors(new ActorSystem({ log }));
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
    const ids = Array.from(
      { length: o.aggregates },
      (_, i) => `bench-${c.name}-${i}`,
    );
    await c.seed(system, bedriftId, ids, size);

    snapshots.saved = snapshots.failed = 0;
    let commands = 0;
    const started = performance.now();
    const until = started + o.seconds * 1000;
    await Promise.all(ids.map(async (id) => {
      for (let n = 0; performance.now() < until; n++) {
        // Not `commands += await …`: that reads `commands` before the await.
        const asked = await c.step(system, id, size, n);
        commands += asked;
      }
    }));
    const rate = commands / ((performance.now() - started) / 1000);
    return { commands: rate, snapshots: { ...snapshots } };
  } finally {
    await system.shutdown();
    await log.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs the employee and kontroll rows: per aggregate the median command rate
 * at each size, the big one as a ratio of the small one (target ≥ 0.85×).
 * Snapshots the log refused during the measured commands are named in the
 * row.
 *
 * @example
 * ```ts
 * for (const row of await benchFlatCost({ rounds: 1, seconds: 1 })) {
 *   console.log(row);
 * }
 * ```
 */
export async function benchFlatCost(
  options: FlatCostBenchOptions = {},
): Promise<LinesBenchRow[]> {
  const progress = options.progress ?? (() => {});
  const [small, big] = options.sizes ?? [5, 150];
  const o = {
    rounds: options.rounds ?? 3,
    seconds: options.seconds ?? 2,
    aggregates: options.aggregates ?? 64,
  };
  const rows: LinesBenchRow[] = [];
  for (const c of [employeeCase, kontrollCase]) {
    const runs = await alternatingRounds(
      [small, big],
      o.rounds,
      async (size, round) => {
        progress(
          `lines: ${c.sized(size)}, ${c.measured} (${round}/${o.rounds})`,
        );
        const run = await flatRun(c, size, o);
        const { saved, failed } = run.snapshots;
        progress(
          `lines: ${c.sized(size)}: ${
            Math.round(run.commands)
          } commands/s, snapshots ${saved} written, ${failed} refused`,
        );
        return run;
      },
    );
    const label =
      `${c.name} commands in-process, projections off (${o.aggregates} ${c.plural}, one in flight each, ${c.measured})`;
    const rounds = `(median of ${o.rounds}, alternating)`;
    const rowOf = (size: number) => {
      const of = runs.get(size)!;
      const failed = of.reduce((n, r) => n + r.snapshots.failed, 0);
      const taken = of.reduce(
        (n, r) => n + r.snapshots.saved + r.snapshots.failed,
        0,
      );
      const refused = failed === 0
        ? ""
        : `; ${failed} of ${taken} snapshots refused by the log`;
      return {
        name: `${label}, ${c.sized(size)} ${rounds}${refused}`,
        value: median(of.map((r) => r.commands)),
      };
    };
    const base = rowOf(small);
    const top = rowOf(big);
    rows.push({
      name: `${base.name} — baseline`,
      value: base.value,
      unit: "commands/s",
      ratio: "1.00×",
    }, {
      name: top.name,
      value: top.value,
      unit: "commands/s",
      ratio: `${(top.value / base.value).toFixed(2)}×`,
      target: `≥ 0.85× ${c.of(small)}`,
      met: top.value / base.value >= 0.85,
    });
  }
  return rows;
}
