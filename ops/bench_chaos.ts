/**
 * The chaos section of `deno task bench`: what the seams cost while no
 * fault is active — durable commands in-process on Deno KV through the
 * node's chaos seams (the event log's and the actor system's, a registry
 * with nothing held) against the same log without them, alternating, and
 * one log call through the seam against the bare call. The command loads
 * run in alternating one-second bursts on three logs (plain, seams, and a
 * second plain one whose ratio to the first shows the machine's noise).
 */
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { ChaosEventLog, FaultRegistry } from "../runtime/chaos/mod.ts";
import { prepareCommandLoad } from "./bench_commands.ts";
import type { CommandLoad } from "./bench_commands.ts";
import { ratio } from "./bench_support.ts";
import { median } from "./stats.ts";

/** One row of the chaos section. */
export interface ChaosBenchRow {
  section: "chaos";
  name: string;
  value: number;
  unit: string;
  ratio?: string;
  target?: string;
  met?: boolean;
}

const ROUNDS = 7;
/** Alternating bursts of each configuration, and their length. */
const BURSTS = 24;
const BURST_SECONDS = 1;

/** Sums of a configuration's bursts. */
interface Totals {
  commands: number;
  seconds: number;
  cpuSeconds: number;
}

/**
 * Durable commands on three Deno KV logs — plain, behind the idle seams,
 * plain again — in rotating bursts: the machine's drift (other work, the
 * disk's fsync time) falls on each alike.
 */
async function commands(
  progress: (message: string) => void,
): Promise<{ plain: Totals; again: Totals; seams: Totals }> {
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-chaos-" });
  const registry = new FaultRegistry({ node: "bench" });
  const plainKv = await KvEventLog.open(`${dir}/plain.kv`);
  const seamKv = await KvEventLog.open(`${dir}/seams.kv`);
  const againKv = await KvEventLog.open(`${dir}/again.kv`);
  const loads: CommandLoad[] = [];
  try {
    progress("chaos: registering 1000 actors on each log");
    const plain = await prepareCommandLoad(plainKv, { actors: 1000 });
    loads.push(plain);
    // A second plain log: its ratio to the first is the noise of the machine.
    const again = await prepareCommandLoad(againKv, { actors: 1000 });
    loads.push(again);
    const seams = await prepareCommandLoad(
      new ChaosEventLog(seamKv, registry),
      {
        actors: 1000,
        faults: registry.seams.actor,
      },
    );
    loads.push(seams);
    const totals = {
      plain: { commands: 0, seconds: 0, cpuSeconds: 0 },
      again: { commands: 0, seconds: 0, cpuSeconds: 0 },
      seams: { commands: 0, seconds: 0, cpuSeconds: 0 },
    };
    for (let burst = 1; burst <= BURSTS; burst++) {
      if (burst % 5 === 1) {
        progress(
          `chaos: alternating bursts ${burst}–${burst + 4} of ${BURSTS}`,
        );
      }
      const all = [["plain", plain], ["seams", seams], [
        "again",
        again,
      ]] as const;
      // Each takes each place in turn.
      const order = all.map((_, i) => all[(i + burst) % all.length]);
      for (const [name, load] of order) {
        const run = await load.run(BURST_SECONDS);
        totals[name].commands += run.commands;
        totals[name].seconds += run.seconds;
        totals[name].cpuSeconds += run.cpuSeconds;
      }
    }
    return totals;
  } finally {
    for (const load of loads) await load.close();
    registry.close();
    await plainKv.close();
    await againKv.close();
    await seamKv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The chaos section's rows. */
export async function benchChaos(
  options: { progress?: (message: string) => void } = {},
): Promise<ChaosBenchRow[]> {
  const progress = options.progress ?? (() => {});
  const totals = await commands(progress);
  progress("chaos: one readStream through the idle seam against the bare call");
  const memory = new MemoryEventLog();
  await memory.append({
    type: "thing",
    id: "1",
    expectedVersion: 0,
    commandId: "c",
    events: [{ type: "thing.happened", v: 1, data: {} }],
  });
  const registry = new FaultRegistry({ node: "bench" });
  const through = new ChaosEventLog(memory, registry);
  const calls = 1_000_000;
  const bare: number[] = [];
  const seam: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [list, log] of [[bare, memory], [seam, through]] as const) {
      const began = performance.now();
      for (let i = 0; i < calls; i++) await log.readStream("thing", "1", 1);
      list.push(((performance.now() - began) * 1e6) / calls);
    }
  }
  registry.close();
  const of = ` (${BURSTS} alternating bursts of ${BURST_SECONDS} s each)`;
  const rate = (t: Totals) => t.commands / t.seconds;
  const perCpu = (t: Totals) =>
    t.cpuSeconds > 0 ? t.commands / t.cpuSeconds : 0;
  const base = rate(totals.plain);
  const withSeams = rate(totals.seams);
  const cpuBase = perCpu(totals.plain);
  const cpuSeams = perCpu(totals.seams);
  const noise = rate(totals.again) / base;
  const cpuNoise = perCpu(totals.again) / cpuBase;
  return [
    {
      section: "chaos",
      name:
        `TMS durable commands in-process on Deno KV, no seams (1000 actors)${of} — baseline`,
      value: base,
      unit: "commands/s",
      ratio: "1.00×",
    },
    {
      section: "chaos",
      name:
        `the same through the chaos seams, no fault active (ChaosEventLog + actor seam)${of}`,
      value: withSeams,
      unit: "commands/s",
      ratio: ratio(withSeams, base),
      target: "≥ 0.98× no seams",
      met: withSeams >= 0.98 * base,
    },
    {
      section: "chaos",
      name:
        "the same on a second log without seams (A/A: the machine's noise in the same run)",
      value: rate(totals.again),
      unit: "commands/s",
      ratio: `${noise.toFixed(2)}×`,
    },
    {
      section: "chaos",
      name: "the same, commands per CPU second of the process, no seams",
      value: cpuBase,
      unit: "commands/CPU-s",
      ratio: "1.00×",
    },
    {
      section: "chaos",
      name: "the same, commands per CPU second through the idle chaos seams",
      value: cpuSeams,
      unit: "commands/CPU-s",
      ratio: ratio(cpuSeams, cpuBase),
      target: "≥ 0.98× no seams",
      met: cpuSeams >= 0.98 * cpuBase,
    },
    {
      section: "chaos",
      name: "the same, per CPU second, second log without seams (A/A)",
      value: perCpu(totals.again),
      unit: "commands/CPU-s",
      ratio: `${cpuNoise.toFixed(2)}×`,
    },
    {
      section: "chaos",
      name: `bare readStream of a memory log (median of ${ROUNDS} × 1M)`,
      value: Number(median(bare).toFixed(1)),
      unit: "ns/call",
      ratio: "1.00×",
    },
    {
      section: "chaos",
      name: "the same call through the idle ChaosEventLog (one check)",
      value: Number(median(seam).toFixed(1)),
      unit: "ns/call",
      ratio: ratio(median(seam), median(bare)),
    },
  ];
}
