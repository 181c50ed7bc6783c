/**
 * @module telemetry
 *
 * Measurements the runtime keeps about itself for `/metrics` and the
 * benchmarks: `LatencyHistogram` (fixed log-spaced buckets, Prometheus
 * exposition). Spans come in a later issue.
 */
export { LatencyHistogram } from "./latency_histogram.ts";
export type { HistogramSnapshot } from "./latency_histogram.ts";
