/** CPU time of processes, for the benchmarks' accounting of a 2-core machine. */

const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, all threads) `pid` has used so far, from
 * `/proc/<pid>/stat`; `null` where there is no procfs or the process is gone.
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Measures the CPU cores `pids` use between `start()` and `stop()`. */
export class CpuMeter {
  readonly #pids: number[];
  #before = 0;
  #started = 0;

  constructor(pids: number[]) {
    this.#pids = pids;
  }

  start(): void {
    this.#before = this.#total();
    this.#started = performance.now();
  }

  /** Average cores used since `start()`. */
  stop(): number {
    const seconds = (performance.now() - this.#started) / 1000;
    return seconds > 0 ? (this.#total() - this.#before) / seconds : 0;
  }

  #total(): number {
    return this.#pids.reduce(
      (sum, pid) => sum + (processCpuSeconds(pid) ?? 0),
      0,
    );
  }
}
