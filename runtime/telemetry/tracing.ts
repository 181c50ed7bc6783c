/**
 * Spans at the seams of the runtime, through `@opentelemetry/api` and Deno's
 * built-in exporter (`OTEL_DENO=true`). With tracing off every helper is one
 * boolean check and a direct call: no span object, no context switch, no
 * closure the caller did not already make.
 */
import { loadOtelApi } from "../../deps.ts";
import type {
  Attributes,
  Link,
  OtelApi,
  OtelContext as Context,
  Span,
  SpanKind,
  SpanOptions,
  Tracer,
} from "../../deps.ts";

export type { OtelContext as TraceContext, Span } from "../../deps.ts";

/** Span kinds as plain names (OpenTelemetry's `SpanKind` numbers behind them). */
export const SpanKinds = {
  internal: 0 as SpanKind.INTERNAL,
  server: 1 as SpanKind.SERVER,
  client: 2 as SpanKind.CLIENT,
  producer: 3 as SpanKind.PRODUCER,
  consumer: 4 as SpanKind.CONSUMER,
} as const;

/** OpenTelemetry's `SpanStatusCode.ERROR`. */
const STATUS_ERROR = 2;

/** Name of the tracer (the instrumentation scope of every TMS span). */
export const TRACER_NAME = "tms";

/** The API, once `initTracing` found a tracer provider; else tracing is off. */
let api: OtelApi | undefined;
let tracer: Tracer | undefined;

/**
 * Turns tracing on when the process runs with `OTEL_DENO=true` (Deno then
 * registers its own tracer provider with the OpenTelemetry API): loads the
 * API and checks that a provider other than the no-op one is there. Call it
 * once before the first span (a node does at start); until then, and
 * without `OTEL_DENO`, every helper here is one boolean check and a direct
 * call, and the API is never loaded. Answers whether tracing is on.
 */
export async function initTracing(
  env: (name: string) => string | undefined = envVar,
): Promise<boolean> {
  if (api) return true;
  const flag = (env("OTEL_DENO") ?? "").toLowerCase();
  if (flag !== "true" && flag !== "1") return false;
  const loaded = await loadOtelApi();
  const provider = loaded.trace.getTracerProvider();
  const registered = !(provider instanceof loaded.ProxyTracerProvider) ||
    provider.getDelegate().constructor.name !== "NoopTracerProvider";
  if (registered) api = loaded;
  return registered;
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // Without --allow-env the exporter could not be configured either.
    return undefined;
  }
}

/** True once `initTracing` found a tracer provider. */
export function tracingEnabled(): boolean {
  return api !== undefined;
}

function tms(): Tracer {
  return tracer ??= api!.trace.getTracer(TRACER_NAME);
}

/** Options of one span: OpenTelemetry's, plus an explicit parent. */
export interface TmsSpanOptions extends SpanOptions {
  /** The parent context; default the active one. `null`: a new trace. */
  parent?: Context | null;
}

/**
 * Runs `fn` inside a span (active for what `fn` awaits), ends it, and marks
 * it as an error when `fn` throws — unless `isFailure` says the error is an
 * expected outcome. With tracing off it calls `fn(undefined)` and nothing else.
 *
 * @example
 * ```ts
 * const rows = await withSpan("tms.project invoices", { kind: SpanKinds.consumer },
 *   (span) => { span?.setAttribute("tms.batch.size", 3); return apply(); });
 * ```
 */
export function withSpan<T>(
  name: string,
  options: TmsSpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
  isFailure: (error: unknown) => boolean = () => true,
): Promise<T> {
  if (!tracingEnabled()) return fn(undefined);
  const { parent, ...spanOptions } = options;
  const { trace, context } = api!;
  const base = parent === null
    ? trace.deleteSpan(context.active())
    : parent ?? context.active();
  const span = tms().startSpan(name, spanOptions, base);
  const active = trace.setSpan(base, span);
  return context.with(active, async () => {
    try {
      return await fn(span);
    } catch (error) {
      if (isFailure(error)) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: STATUS_ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active context (to carry into work that runs elsewhere), or undefined when tracing is off. */
export function captureContext(): Context | undefined {
  return api?.context.active();
}

/** Runs `fn` with `ctx` active (as it is when `ctx` is undefined). */
export function runInContext<T>(ctx: Context | undefined, fn: () => T): T {
  return ctx === undefined || !api ? fn() : api.context.with(ctx, fn);
}

/** The active span, if tracing is on and one is active. */
export function activeSpan(): Span | undefined {
  return api?.trace.getActiveSpan();
}

/**
 * The W3C `traceparent` (and `tracestate`) of the active span, for a message
 * that carries the context to another process; empty when tracing is off or
 * no span is active.
 */
export function traceHeaders(): { traceparent?: string; tracestate?: string } {
  if (!api) return {};
  const carrier: { traceparent?: string; tracestate?: string } = {};
  api.propagation.inject(api.context.active(), carrier);
  return carrier;
}

/**
 * The request with the active span's `traceparent` in its meta (what a commit
 * stores, so its consumers can link to the span that wrote it); the request
 * as it is when tracing is off.
 */
export function withActiveTraceparent<
  R extends { meta?: { traceparent?: string } },
>(request: R): R {
  const { traceparent } = traceHeaders();
  return traceparent
    ? { ...request, meta: { ...request.meta, traceparent } }
    : request;
}

/** The context a received `traceparent` (and `tracestate`) names, as a remote parent. */
export function contextFrom(
  traceparent: string | undefined | null,
  tracestate?: string | null,
): Context | undefined {
  if (!api || !traceparent) return undefined;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate) carrier.tracestate = tracestate;
  const ctx = api.propagation.extract(api.context.active(), carrier);
  return api.trace.getSpanContext(ctx) ? ctx : undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Links to the span contexts a batch's stored `traceparent`s name: one per
 * distinct context, at most `limit` (OpenTelemetry's default link limit).
 */
export function linksFrom(
  traceparents: Iterable<string | undefined>,
  limit = 128,
): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const traceparent of traceparents) {
    if (!traceparent || seen.has(traceparent)) continue;
    const match = TRACEPARENT.exec(traceparent);
    if (!match) continue;
    seen.add(traceparent);
    links.push({
      context: {
        traceId: match[1],
        spanId: match[2],
        traceFlags: parseInt(match[3], 16),
        isRemote: true,
      },
    });
    if (links.length >= limit) break;
  }
  return links;
}

/**
 * Runs `fn` (the handling of a batch of stored messages) inside a CONSUMER
 * span `name`, linked to the span that wrote each message (its stored
 * `traceparent`). When every message of the batch comes from one span, the
 * batch continues that trace as its child, so one request reads as one trace
 * down to the read model; a batch of many requests starts a trace of its own
 * and keeps the links. Used by projection batches (and the relay's).
 */
export function withConsumerSpan<T>(
  name: string,
  traceparents: readonly (string | undefined)[],
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return fn();
  const links = linksFrom(traceparents);
  const parent = links.length === 1
    ? contextFrom(traceparents.find((t) => t !== undefined)) ?? null
    : null;
  return withSpan(name, {
    kind: SpanKinds.consumer,
    links,
    parent,
    attributes: {
      "messaging.batch.message_count": traceparents.length,
      ...attributes,
    },
  }, fn);
}

/**
 * A short, stable hash of an aggregate id for span attributes (FNV-1a, 64
 * bits, hex): spans group by actor without carrying the id itself.
 */
export function idHash(id: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < id.length; i++) {
    h ^= BigInt(id.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

export type { Attributes, Link };
