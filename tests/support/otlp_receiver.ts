/**
 * A real OTLP/HTTP receiver (JSON protocol) for tests: nodes started with
 * `OTEL_DENO=true`, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` and
 * `OTEL_EXPORTER_OTLP_ENDPOINT=<receiver.url>` export their spans to it, and
 * the test reads them back as flat records.
 */
import { freePort } from "../../ops/server_process.ts";

/** One received span, flattened (ids as the OTLP JSON hex strings). */
export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  status: number;
}

/** OTLP span kinds. */
export const OtlpKind = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
} as const;

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
};

function value(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return "";
}

function attributes(
  list: { key: string; value: AnyValue }[] = [],
): Record<string, string | number | boolean> {
  return Object.fromEntries(list.map((a) => [a.key, value(a.value)]));
}

/** The receiver: `url` for `OTEL_EXPORTER_OTLP_ENDPOINT`, `spans` so far. */
export class OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[] = [];
  /** Content types of the trace exports (the protocol actually used). */
  readonly contentTypes = new Set<string>();
  readonly #server: Deno.HttpServer;

  private constructor(port: number) {
    this.url = `http://127.0.0.1:${port}`;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen: () => {} },
      async (req) => {
        const path = new URL(req.url).pathname;
        const body = await req.text();
        if (path === "/v1/traces") {
          this.contentTypes.add(req.headers.get("content-type") ?? "");
          this.#add(JSON.parse(body));
        }
        return new Response("{}", {
          headers: { "content-type": "application/json" },
        });
      },
    );
  }

  /** Starts listening on a free port of 127.0.0.1. */
  static start(): OtlpReceiver {
    return new OtlpReceiver(freePort());
  }

  /** The env that makes a Deno process export its spans here. */
  env(service: string): Record<string, string> {
    return {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: this.url,
      OTEL_SERVICE_NAME: service,
      // Spans only: console lines and metrics would be exported too.
      OTEL_DENO_CONSOLE: "ignore",
      OTEL_DENO_METRICS: "false",
    };
  }

  /** Waits until `predicate` holds for the spans received (polling), else throws. */
  async waitFor(
    what: string,
    predicate: (spans: ReceivedSpan[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate(this.spans)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `No ${what} within ${timeoutMs} ms; received: ${
        this.spans.map((s) => `${s.service}:${s.name}`).join(", ")
      }`,
    );
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  #add(body: {
    resourceSpans?: {
      resource?: { attributes?: { key: string; value: AnyValue }[] };
      scopeSpans?: {
        scope?: { name?: string };
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: { key: string; value: AnyValue }[];
          links?: { traceId: string; spanId: string }[];
          status?: { code?: number };
        }[];
      }[];
    }[];
  }): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(
        attributes(rs.resource?.attributes)["service.name"] ?? "",
      );
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            service,
            scope: ss.scope?.name ?? "",
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? "",
            name: s.name,
            kind: s.kind,
            attributes: attributes(s.attributes),
            links: (s.links ?? []).map((l) => ({
              traceId: l.traceId,
              spanId: l.spanId,
            })),
            status: s.status?.code ?? 0,
          });
        }
      }
    }
  }
}
