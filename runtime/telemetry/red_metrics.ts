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
