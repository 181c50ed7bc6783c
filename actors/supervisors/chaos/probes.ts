/**
 * The probes of a steady-state hypothesis: what each measures on a node and
 * how a measure is judged against its tolerance.
 */
import type { RedMetrics, RedTotals } from "../../../runtime/telemetry/mod.ts";
import { ProbeTypes } from "./types.ts";
import type { Probe, ProbeResult } from "./types.ts";

/** Where probes read their measures. */
export interface ProbeSource {
  /** The measure of `probe` now; null when it cannot be measured. */
  measure(probe: Probe): Promise<number | null>;
}

/** A probe's measure judged: within its tolerance or not. */
export function judge(probe: Probe, value: number | null): ProbeResult {
  const ok = value !== null &&
    (probe.type === ProbeTypes.readiness
      ? value >= 1
      : value <= probe.tolerance);
  return { probe: probe.name, value, tolerance: probe.tolerance, ok };
}

/** Measures and judges every probe of `probes`. */
export async function checkProbes(
  source: ProbeSource,
  probes: readonly Probe[],
): Promise<ProbeResult[]> {
  return await Promise.all(
    probes.map(async (probe) => {
      let value: number | null;
      try {
        value = await source.measure(probe);
      } catch {
        value = null;
      }
      return judge(probe, value);
    }),
  );
}

/** What a node's probes read. */
export interface NodeProbesOptions {
  /** The edge's requests per route. */
  http: RedMetrics;
  /** Whether `/health/ready` would pass now. */
  ready: () => Promise<boolean>;
  /** The largest lag of the projections run here, in ms (null: none run here). */
  projectionLagMs: () => number | null;
}

const SAMPLES_KEPT = 600;

/**
 * A node's probes: error rate and write p99 over a window of the edge's
 * totals (sampled every second, ten minutes kept), readiness, and
 * projection lag.
 */
export class NodeProbes implements ProbeSource {
  readonly #options: NodeProbesOptions;
  readonly #samples: { at: number; totals: RedTotals }[] = [];
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(options: NodeProbesOptions) {
    this.#options = options;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 1000);
    Deno.unrefTimer(this.#timer);
  }

  async measure(probe: Probe): Promise<number | null> {
    switch (probe.type) {
      case ProbeTypes.readiness:
        return (await this.#options.ready()) ? 1 : 0;
      case ProbeTypes.projectionLag:
        return this.#options.projectionLagMs() ?? 0;
      case ProbeTypes.errorRate: {
        const { now, then } = this.#window(probe.windowS);
        const requests = now.requests - then.requests;
        return requests === 0 ? 0 : (now.errors - then.errors) / requests;
      }
      case ProbeTypes.commandLatencyP99: {
        const { now, then } = this.#window(probe.windowS);
        return p99Ms(now, then);
      }
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #sample(): RedTotals {
    const totals = this.#options.http.totals();
    this.#samples.push({ at: Date.now(), totals });
    if (this.#samples.length > SAMPLES_KEPT) this.#samples.shift();
    return totals;
  }

  #window(seconds: number): { now: RedTotals; then: RedTotals } {
    const since = Date.now() - seconds * 1000;
    let then = this.#samples[0].totals;
    for (const s of this.#samples) {
      if (s.at > since) break;
      then = s.totals;
    }
    return { now: this.#options.http.totals(), then };
  }
}

/**
 * The p99 of the writes between two totals, as the upper bound of the
 * bucket it falls in (ms); null when it lies beyond the last bucket; 0 when
 * there were no writes.
 */
export function p99Ms(now: RedTotals, then: RedTotals): number | null {
  const count = now.writes - then.writes;
  if (count <= 0) return 0;
  const rank = Math.ceil(count * 0.99);
  for (let i = 0; i < now.writeBounds.length; i++) {
    if (now.writeCumulative[i] - then.writeCumulative[i] >= rank) {
      return now.writeBounds[i] * 1000;
    }
  }
  return null;
}
