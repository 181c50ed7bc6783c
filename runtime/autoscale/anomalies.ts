/** Samples far outside their expected band. */
import type { ForecastPoint } from "./forecast.ts";
import type { ClusterMetrics, Metric } from "./types.ts";

/** One value far outside its band. */
export interface Anomaly {
  /** Epoch ms of the sample. */
  at: number;
  /** `commandRate` is the cluster's rate against the Holt-Winters band. */
  metric: Metric;
  value: number;
  expected: number;
  low: number;
  high: number;
}

/** Options of an {@linkcode AnomalyDetector}. */
export interface AnomalyDetectorOptions {
  /** Band width in standard deviations (default 4). */
  k?: number;
  /** Observations per metric before it can be anomalous (default 20). */
  warmup?: number;
  /** Anomalies kept, newest first (default 200). */
  capacity?: number;
}

interface Moments {
  n: number;
  mean: number;
  variance: number;
}

/**
 * Flags values far outside their band: the cluster's command rate against
 * the forecast's one-step band (`RateForecaster.expected`), every other
 * metric against an exponentially weighted mean ± `k` standard deviations
 * (weight 0.1; the deviation is at least 5 % of the mean, so a flat series
 * does not make noise of a small change).
 *
 * @example
 * ```ts
 * const detector = new AnomalyDetector();
 * detector.observe(Date.now(), metrics, forecaster.expected(4));
 * detector.list();
 * ```
 */
export class AnomalyDetector {
  readonly #k: number;
  readonly #warmup: number;
  readonly #capacity: number;
  readonly #moments = new Map<Metric, Moments>();
  #found: Anomaly[] = [];

  constructor(options: AnomalyDetectorOptions = {}) {
    this.#k = options.k ?? 4;
    this.#warmup = options.warmup ?? 20;
    this.#capacity = options.capacity ?? 200;
  }

  /** The band width in standard deviations. */
  get k(): number {
    return this.#k;
  }

  /** Checks one evaluation's metrics; returns the anomalies found in it. */
  observe(
    at: number,
    metrics: ClusterMetrics,
    rateBand: ForecastPoint | null,
  ): Anomaly[] {
    const found: Anomaly[] = [];
    const rate = metrics.totalCommandRate;
    if (rateBand && (rate < rateBand.low || rate > rateBand.high)) {
      found.push({
        at,
        metric: "commandRate",
        value: rate,
        expected: rateBand.value,
        low: rateBand.low,
        high: rateBand.high,
      });
    }
    for (const [metric, value] of Object.entries(metrics.values)) {
      if (metric === "commandRate" || value === undefined) continue;
      const anomaly = this.#check(at, metric as Metric, value);
      if (anomaly) found.push(anomaly);
    }
    if (found.length > 0) {
      this.#found = [...found.reverse(), ...this.#found].slice(
        0,
        this.#capacity,
      );
    }
    return found;
  }

  /** Anomalies found so far, newest first. */
  list(): Anomaly[] {
    return [...this.#found];
  }

  #check(at: number, metric: Metric, value: number): Anomaly | null {
    const m = this.#moments.get(metric) ?? { n: 0, mean: value, variance: 0 };
    let anomaly: Anomaly | null = null;
    if (m.n >= this.#warmup) {
      const sigma = Math.max(Math.sqrt(m.variance), 0.05 * Math.abs(m.mean));
      const low = m.mean - this.#k * sigma;
      const high = m.mean + this.#k * sigma;
      if (sigma > 0 && (value < low || value > high)) {
        anomaly = { at, metric, value, expected: m.mean, low, high };
      }
    }
    const diff = value - m.mean;
    const mean = m.mean + 0.1 * diff;
    this.#moments.set(metric, {
      n: m.n + 1,
      mean,
      variance: 0.9 * (m.variance + 0.1 * diff * diff),
    });
    return anomaly;
  }
}
