/** This process's CPU time (procfs) and event-loop delay (timer drift). */
import { cpuUsage } from "node:process";

/**
 * `USER_HZ`: the unit of the tick counts in `/proc/<pid>/stat`. Linux fixes
 * it at 100 for user space on every architecture TMS runs on, whatever the
 * kernel's `HZ`; `clockTicksPerSecond` measures it rather than trust that.
 */
const USER_HZ = 100;
const KNOWN_HZ = [100, 250, 300, 1000, 1024];

function statFields(text: string): string[] {
  // Fields after the parenthesised command name (which may hold spaces).
  return text.slice(text.lastIndexOf(")") + 2).trim().split(" ");
}

/**
 * The clock ticks per second of `/proc/self/stat`, measured: the process's
 * start time in ticks since boot (field 22) against the boot-relative start
 * in seconds (`/proc/uptime` minus the process's age), snapped to the
 * nearest usual value; 100 where procfs cannot tell.
 */
export function clockTicksPerSecond(
  read: (path: string) => string = Deno.readTextFileSync,
  ageSeconds = performance.now() / 1000,
): number {
  try {
    const start = Number(statFields(read("/proc/self/stat"))[19]);
    const uptime = Number(read("/proc/uptime").split(" ")[0]);
    const bootRelative = uptime - ageSeconds;
    if (!(start > 0 && bootRelative > 1)) return USER_HZ;
    const measured = start / bootRelative;
    return KNOWN_HZ.reduce((best, hz) =>
      Math.abs(hz - measured) < Math.abs(best - measured) ? hz : best
    );
  } catch {
    return USER_HZ;
  }
}

/**
 * CPU seconds (user + system, every thread) this process has used: from
 * `/proc/self/stat` (utime and stime, fields 14 and 15, in clock ticks),
 * else from `process.cpuUsage()` (getrusage: the same kernel counters, in
 * µs). Deno lets only a process with `--allow-all` read `/proc` (2.9:
 * "Requires all access"), so a node started by `deno task start`, which
 * names its permissions, counts through the fallback; `source` says which.
 */
export class CpuClock {
  readonly #ticks: number;
  readonly #procfs: boolean;

  constructor() {
    this.#ticks = clockTicksPerSecond();
    this.#procfs = this.#fromProcfs() !== null;
  }

  /** Where the seconds come from. */
  get source(): "procfs" | "process.cpuUsage" {
    return this.#procfs ? "procfs" : "process.cpuUsage";
  }

  /** CPU seconds used so far. */
  seconds(): number {
    if (this.#procfs) {
      const seconds = this.#fromProcfs();
      if (seconds !== null) return seconds;
    }
    const usage = cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }

  #fromProcfs(): number | null {
    try {
      const fields = statFields(Deno.readTextFileSync("/proc/self/stat"));
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? ticks / this.#ticks : null;
    } catch {
      return null;
    }
  }
}

/**
 * Event-loop delay as timer drift: a timer due every `periodMs` notes how
 * late it fires; `take()` returns the longest delay since the last call. A
 * loop blocked by CPU work (or starved of a core) shows here before it
 * shows in latency. The timer does not keep the process alive.
 */
export class EventLoopDelay {
  readonly #periodMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #due = 0;
  #max = 0;

  constructor(periodMs = 100) {
    this.#periodMs = periodMs;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#arm();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The longest delay (ms) since the last `take()`, then resets. */
  take(): number {
    const max = this.#max;
    this.#max = 0;
    return max;
  }

  #arm(): void {
    this.#due = performance.now() + this.#periodMs;
    this.#timer = setTimeout(() => {
      const late = performance.now() - this.#due;
      if (late > this.#max) this.#max = late;
      this.#arm();
    }, this.#periodMs);
    Deno.unrefTimer(this.#timer);
  }
}
