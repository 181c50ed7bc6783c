import { LatencyHistogram } from "./latency_histogram.ts";

/** Bounds of the request-duration histogram, in seconds. */
const REQUEST_BOUNDS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
] as const;

/** What `RedMetrics.totals` adds up. */
export interface RedTotals {
  requests: number;
  /** Answers with a status of 500 or above. */
  errors: number;
  /** Upper bounds (s) of the write-duration buckets. */
  writeBounds: readonly number[];
  /** Writes at most each bound (cumulative). */
  writeCumulative: number[];
  writes: number;
}

interface RouteSeries {
  method: string;
  route: string;
  statuses: Map<number, number>;
  duration: LatencyHistogram;
}

/**
 * Rate, errors and duration per route (the RED method): a request counter by
 * method, route template and status, and a duration histogram by method and
 * route. Routes are templates (`/api/v1/invoices/:id`), never raw paths, so
 * the series stay bounded; a request no route matched counts as `unmatched`.
 *
 * @example
 * ```ts
 * const red = new RedMetrics();
 * red.record("GET", "/api/v1/invoices/:id", 200, 0.012);
 * red.prometheus(); // tms_http_requests_total{…} 1, tms_http_request_duration_seconds_bucket{…}
 * ```
 */
export class RedMetrics {
  readonly #series = new Map<string, RouteSeries>();

  /** Counts one request that ended with `status` after `seconds`. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let series = this.#series.get(key);
    if (!series) {
      series = {
        method,
        route,
        statuses: new Map(),
        duration: new LatencyHistogram(REQUEST_BOUNDS),
      };
      this.#series.set(key, series);
    }
    series.statuses.set(status, (series.statuses.get(status) ?? 0) + 1);
    series.duration.record(seconds);
  }

  /**
   * Totals over the routes under `prefix` (default `/api/`): requests,
   * answers of 500 and above, and the duration histogram of the writes
   * (every method but GET and HEAD) — what the chaos probes difference over
   * a window.
   */
  totals(prefix = "/api/"): RedTotals {
    let requests = 0;
    let errors = 0;
    const cumulative = new Array(REQUEST_BOUNDS.length).fill(0);
    let writes = 0;
    for (const s of this.#series.values()) {
      if (!s.route.startsWith(prefix)) continue;
      for (const [status, n] of s.statuses) {
        requests += n;
        if (status >= 500) errors += n;
      }
      if (s.method === "GET" || s.method === "HEAD") continue;
      const h = s.duration.snapshot();
      h.cumulative.forEach((n, i) => cumulative[i] += n);
      writes += h.count;
    }
    return {
      requests,
      errors,
      writeBounds: REQUEST_BOUNDS,
      writeCumulative: cumulative,
      writes,
    };
  }

  /** Prometheus text: `tms_http_requests_total` and `tms_http_request_duration_seconds`. */
  prometheus(): string {
    const all = [...this.#series.values()];
    const lines = [
      "# HELP tms_http_requests_total HTTP requests by method, route template and status",
      "# TYPE tms_http_requests_total counter",
    ];
    for (const s of all) {
      for (const [status, n] of s.statuses) {
        lines.push(
          `tms_http_requests_total{method="${s.method}",route="${
            label(s.route)
          }",status="${status}"} ${n}`,
        );
      }
    }
    lines.push(
      "# HELP tms_http_request_duration_seconds HTTP request duration by method and route template",
      "# TYPE tms_http_request_duration_seconds histogram",
    );
    for (const s of all) {
      const labels = `method="${s.method}",route="${label(s.route)}"`;
      const h = s.duration.snapshot();
      h.bounds.forEach((bound, i) =>
        lines.push(
          `tms_http_request_duration_seconds_bucket{${labels},le="${bound}"} ${
            h.cumulative[i]
          }`,
        )
      );
      lines.push(
        `tms_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`,
        `tms_http_request_duration_seconds_sum{${labels}} ${h.sumSeconds}`,
        `tms_http_request_duration_seconds_count{${labels}} ${h.count}`,
      );
    }
    return lines.join("\n") + "\n";
  }
}

function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}
