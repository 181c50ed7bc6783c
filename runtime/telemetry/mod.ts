/**
 * @module telemetry
 *
 * What the runtime tells about itself: spans at its seams and measurements
 * for `/metrics`.
 *
 * - Spans (`tracing.ts`) through `@opentelemetry/api`, exported by Deno's
 *   built-in OpenTelemetry (`OTEL_DENO=true`, OTLP env vars); `initTracing`
 *   loads the API at start only then. Off, each seam costs one boolean check. The spans: `tms.ask <type>` (actor), `tms.append
 *   <type>` (Deno KV log, internal) or `publish tms.evt.<type>` (JetStream,
 *   PRODUCER), `tms.forward <type>` (CLIENT) and `tms.serve <type>` (SERVER,
 *   on the owner; the context travels in the `traceparent` header of
 *   `tms.rpc.<shard>`), `tms.project <projection>` (CONSUMER, linked to each
 *   commit's stored `traceparent`).
 * - `RedMetrics`: requests, errors and duration per route template.
 * - `LatencyHistogram`: fixed buckets, Prometheus exposition.
 * - `processMetrics`: resident memory and the cgroup's memory limit
 *   (`memoryLimit`).
 */
export { LatencyHistogram } from "./latency_histogram.ts";
export type { HistogramSnapshot } from "./latency_histogram.ts";
export { RedMetrics } from "./red_metrics.ts";
export type { RedTotals } from "./red_metrics.ts";
export { memoryLimit, processMetrics } from "./process_metrics.ts";
export {
  activeSpan,
  captureContext,
  contextFrom,
  idHash,
  initTracing,
  linksFrom,
  runInContext,
  SpanKinds,
  traceHeaders,
  TRACER_NAME,
  tracingEnabled,
  withActiveTraceparent,
  withConsumerSpan,
  withSpan,
} from "./tracing.ts";
export type { Span, TmsSpanOptions, TraceContext } from "./tracing.ts";
