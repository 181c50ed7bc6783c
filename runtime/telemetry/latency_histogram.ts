/** A cumulative snapshot of a `LatencyHistogram`. */
export interface HistogramSnapshot {
  /** Upper bounds in seconds, ascending. */
  bounds: readonly number[];
  /** Observations at most each bound (cumulative, as Prometheus has it). */
  cumulative: number[];
  count: number;
  sumSeconds: number;
  maxSeconds: number;
}

const DEFAULT_BOUNDS = [
  0.001,
  0.002,
  0.005,
  0.01,
  0.02,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
] as const;

/**
 * Fixed-bucket latency histogram: constant memory, one array update per
 * observation, rendered as a Prometheus histogram.
 *
 * @example
 * ```ts
 * const h = new LatencyHistogram();
 * h.record(0.0042);
 * h.prometheus("tms_event_log_commit_seconds", "Duration of one KV atomic");
 * ```
 */
export class LatencyHistogram {
  readonly bounds: readonly number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;
  #max = 0;

  constructor(bounds: readonly number[] = DEFAULT_BOUNDS) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) {
        throw new RangeError("Histogram bounds must ascend");
      }
    }
    this.bounds = bounds;
    this.#counts = new Array(bounds.length).fill(0);
  }

  record(seconds: number): void {
    this.#count++;
    this.#sum += seconds;
    if (seconds > this.#max) this.#max = seconds;
    const i = this.bounds.findIndex((b) => seconds <= b);
    if (i >= 0) this.#counts[i]++;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    return {
      bounds: this.bounds,
      cumulative: this.#counts.map((n) => running += n),
      count: this.#count,
      sumSeconds: this.#sum,
      maxSeconds: this.#max,
    };
  }

  /** Prometheus text lines of the histogram `name`. */
  prometheus(name: string, help: string): string {
    const s = this.snapshot();
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    s.bounds.forEach((bound, i) =>
      lines.push(`${name}_bucket{le="${bound}"} ${s.cumulative[i]}`)
    );
    lines.push(
      `${name}_bucket{le="+Inf"} ${s.count}`,
      `${name}_sum ${s.sumSeconds}`,
      `${name}_count ${s.count}`,
    );
    return lines.join("\n") + "\n";
  }
}
