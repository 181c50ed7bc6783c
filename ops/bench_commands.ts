/** The in-process command load shared by the embedded and the cluster benchmarks. */
import { registerActors, withDomainUpcasters } from "../actors/mod.ts";
import { BEDRIFT, registerBedrift } from "../actors/bedrift/mod.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import type { ActorFaults } from "../runtime/actor/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";
import { processCpuSeconds } from "./cpu_usage.ts";
import { percentile } from "./stats.ts";

/** Throughput and latency (ms) of a command load. */
export interface CommandLoadResult {
  rate: number;
  p50: number;
  p99: number;
  /**
   * Commands per CPU second this process used meanwhile (all threads): the
   * cost of a command, whatever else the machine runs.
   */
  perCpuSecond: number;
}

/** What one run of a prepared load did. */
export interface CommandRun extends CommandLoadResult {
  commands: number;
  seconds: number;
  cpuSeconds: number;
}

/** A command load with its actors registered, to run once or in bursts. */
export interface CommandLoad {
  /** Runs commands for `seconds`, one in flight per actor, until all are done. */
  run(seconds: number): Promise<CommandRun>;
  close(): Promise<void>;
}

/**
 * Registers `actors` bedrifter on `log`; `run` then sends durable commands
 * (bedrift updates) with one command in flight per actor. The actors read
 * `log` through the domain upcasters, as a node's do (and, with `faults`,
 * through the actor system's chaos seam).
 */
export async function prepareCommandLoad(
  log: EventLog,
  options: {
    actors: number;
    seed?: number;
    /** The actor system's chaos seam (the chaos section). */
    faults?: ActorFaults;
  },
): Promise<CommandLoad> {
  const system = registerActors(
    new ActorSystem({ log: withDomainUpcasters(log), faults: options.faults }),
  );
  const ids: string[] = [];
  let seed = options.seed ?? 1;
  const at = new Date().toISOString();
  try {
    while (ids.length < options.actors) {
      const batch: Promise<string>[] = [];
      for (
        let i = 0;
        i < 200 && ids.length + batch.length < options.actors;
        i++
      ) {
        let orgnr: string | null = null;
        while (!orgnr) orgnr = organisasjonsnummerFor(seed++);
        const id = crypto.randomUUID();
        batch.push(
          registerBedrift(system, {
            id,
            organisasjonsnummer: orgnr,
            details: { navn: `Skole ${seed}` },
            at,
          }).then(() => id),
        );
      }
      ids.push(...await Promise.all(batch));
    }
  } catch (error) {
    await system.shutdown();
    throw error;
  }
  let n = 0;
  return {
    async run(seconds) {
      const latencies: number[] = [];
      const cpuBefore = processCpuSeconds(Deno.pid) ?? 0;
      const start = performance.now();
      const until = start + seconds * 1000;
      await Promise.all(ids.map(async (id) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          await system.ask(BEDRIFT, id, {
            type: "update",
            changes: { poststed: `P${n++}` },
            at,
          });
          latencies.push(performance.now() - t0);
        }
      }));
      const elapsed = (performance.now() - start) / 1000;
      const cpu = (processCpuSeconds(Deno.pid) ?? 0) - cpuBefore;
      latencies.sort((a, b) => a - b);
      return {
        commands: latencies.length,
        seconds: elapsed,
        cpuSeconds: cpu,
        perCpuSecond: cpu > 0 ? latencies.length / cpu : 0,
        rate: latencies.length / elapsed,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
      };
    },
    close: () => system.shutdown(),
  };
}

/** Registers `actors` bedrifter on `log`, then runs commands for `seconds` (see `prepareCommandLoad`). */
export async function commandLoad(
  log: EventLog,
  options: {
    seconds: number;
    actors: number;
    seed?: number;
    faults?: ActorFaults;
  },
): Promise<CommandLoadResult> {
  const load = await prepareCommandLoad(log, options);
  try {
    return await load.run(options.seconds);
  } finally {
    await load.close();
  }
}
