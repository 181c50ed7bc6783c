/**
 * The chaos section of `deno task bench`: what the seams cost while no
 * fault is active — durable commands in-process on Deno KV through the
 * node's chaos seams (the event log's and the actor system's, a registry
 * with nothing held) against the same log without them, alternating, and
 * one log call through the seam against the bare call.
 */
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { ChaosEventLog, FaultRegistry } from "../runtime/chaos/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { commandLoad } from "./bench_commands.ts";
import type { CommandLoadResult } from "./bench_commands.ts";
import { ratio } from "./bench_support.ts";

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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function commands(seams: boolean): Promise<CommandLoadResult> {
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-chaos-" });
  const kv = await KvEventLog.open(`${dir}/events.kv`);
  const registry = new FaultRegistry({ node: "bench" });
  try {
    const log: EventLog = seams ? new ChaosEventLog(kv, registry) : kv;
    return await commandLoad(log, {
      seconds: 3,
      actors: 1000,
      faults: seams ? registry.seams.actor : undefined,
    });
  } finally {
    registry.close();
    await kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The chaos section's rows. */
export async function benchChaos(
  options: { progress?: (message: string) => void } = {},
): Promise<ChaosBenchRow[]> {
  const progress = options.progress ?? (() => {});
  const plain: CommandLoadResult[] = [];
  const seamed: CommandLoadResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first: the disk's fsync time drifts within minutes.
    const order = round % 2 === 1 ? [false, true] : [true, false];
    for (const seams of order) {
      progress(
        `chaos: 1000 actors, durable commands ${
          seams ? "through the idle seams" : "without seams"
        } (${round}/${ROUNDS})`,
      );
      (seams ? seamed : plain).push(await commands(seams));
    }
  }
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
  const of = ` (median of ${ROUNDS} runs, alternating)`;
  const base = median(plain.map((r) => r.rate));
  const withSeams = median(seamed.map((r) => r.rate));
  const cpuBase = median(plain.map((r) => r.perCpuSecond));
  const cpuSeams = median(seamed.map((r) => r.perCpuSecond));
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
      name: `the same, commands per CPU second of the process, no seams${of}`,
      value: cpuBase,
      unit: "commands/CPU-s",
      ratio: "1.00×",
    },
    {
      section: "chaos",
      name:
        `the same, commands per CPU second through the idle chaos seams${of}`,
      value: cpuSeams,
      unit: "commands/CPU-s",
      ratio: ratio(cpuSeams, cpuBase),
      target: "≥ 0.98× no seams",
      met: cpuSeams >= 0.98 * cpuBase,
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
