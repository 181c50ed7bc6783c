/**
 * The ops console's supervisor panels (autoscaler with its rate chart,
 * chaos, the emergency stop's report) and the event rows, rendered in the
 * browser. Like `console_render.ts`, every function here runs in the page:
 * self-contained, calling only the script's other functions by name.
 */
import type { Doc, El } from "./console_dom.ts";
import type { ConsoleStatus } from "../schemas/mod.ts";
import {
  badge,
  clock,
  count,
  dur,
  facts,
  h,
  num,
  table,
} from "./console_render.ts";

type Autoscale = NonNullable<ConsoleStatus["autoscale"]>;
type Point = Autoscale["chart"]["measured"][number];

/** One row of the live event stream. */
export interface EventRow {
  id: string;
  type: string;
  aggregate: string;
  event: string;
  subject: string;
  bedrift: string;
  at: string;
}

/** An SVG element with attributes. */
export function svg(
  doc: Doc,
  tag: string,
  attrs: Record<string, string | number>,
  ...kids: (El | string)[]
): El {
  const el = doc.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) {
    el.setAttribute(name, String(value));
  }
  for (const kid of kids) el.append(kid);
  return el;
}

/**
 * The measured command rate (line) over the band forecast for each sample
 * one interval before, and the forecast ahead (dashed, with its band): a
 * small inline SVG, no chart library.
 */
export function rateChart(doc: Doc, a: Autoscale): El {
  const W = 600;
  const H = 180;
  const PAD = { left: 44, right: 8, top: 10, bottom: 24 };
  const measured = a.chart.measured;
  const ahead = a.chart.forecast;
  const all: Point[] = [...measured, ...ahead];
  const times = all.map((p) => p.at);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const top = Math.max(
    1,
    ...all.map((p) => Math.max(p.rate ?? 0, p.high ?? 0)),
  ) * 1.1;
  const x = (t: number) =>
    PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const line = (points: Point[]) =>
    points.filter((p) => p.rate !== null).map((p) =>
      `${x(p.at).toFixed(1)},${y(p.rate!).toFixed(1)}`
    ).join(" ");
  const band = (points: Point[]) => {
    const banded = points.filter((p) => p.low !== null && p.high !== null);
    if (banded.length < 2) return "";
    return [
      ...banded.map((p) => `${x(p.at).toFixed(1)},${y(p.high!).toFixed(1)}`),
      ...banded.reverse().map((p) =>
        `${x(p.at).toFixed(1)},${y(p.low!).toFixed(1)}`
      ),
    ].join(" ");
  };
  const now = measured.at(-1);
  const last = now?.rate ?? null;
  const next = ahead[0];
  const description = `Measured command rate ${
    num(last, 2)
  }/s over ${measured.length} samples${
    next
      ? `; forecast next ${num(next.rate, 2)}/s (band ${num(next.low, 2)}–${
        num(next.high, 2)
      })`
      : "; no forecast yet"
  }.`;
  const kids: El[] = [
    svg(doc, "title", { id: "chart-title" }, "Command rate and forecast band"),
    svg(doc, "desc", { id: "chart-desc" }, description),
    svg(doc, "line", {
      class: "axis",
      x1: PAD.left,
      y1: y(0),
      x2: W - PAD.right,
      y2: y(0),
    }),
    svg(
      doc,
      "text",
      { class: "tick", x: PAD.left - 4, y: y(top / 1.1) + 4 },
      num(top / 1.1, 1),
    ),
    svg(doc, "text", { class: "tick", x: PAD.left - 4, y: y(0) + 4 }, "0"),
  ];
  const past = band(measured);
  if (past) {
    kids.push(svg(doc, "polygon", { class: "band-past", points: past }));
  }
  const future = band(ahead);
  if (future) kids.push(svg(doc, "polygon", { class: "band", points: future }));
  if (ahead.length > 0) {
    kids.push(
      svg(doc, "polyline", {
        class: "forecast",
        points: line(now ? [now, ...ahead] : ahead),
      }),
    );
  }
  if (measured.length > 0) {
    kids.push(
      svg(doc, "polyline", { class: "measured", points: line(measured) }),
    );
  }
  if (now) {
    kids.push(
      svg(doc, "line", {
        class: "now",
        x1: x(now.at),
        y1: PAD.top,
        x2: x(now.at),
        y2: y(0),
      }),
      svg(doc, "text", { class: "label", x: x(now.at), y: H - 6 }, "now"),
    );
  }
  return svg(doc, "svg", {
    class: "chart",
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-labelledby": "chart-title chart-desc",
  }, ...kids);
}

/** The autoscaler: mode, replicas, the chart, the last decisions and why. */
export function renderAutoscale(doc: Doc, s: ConsoleStatus): [string, El] {
  const a = s.autoscale;
  if (!a) return ["The autoscaler could not be read", h(doc, "p", null, "–")];
  if (!a.active) {
    return [
      `Autoscaler ${a.mode}`,
      h(
        doc,
        "p",
        { class: "empty" },
        `Mode ${a.mode}: nothing is sampled or decided (TMS_AUTOSCALE=recommend or on).`,
      ),
    ];
  }
  const d = a.lastDecision;
  const why = (type: string, data: Record<string, unknown>) => {
    const move = `${data.from} → ${data.to}`;
    if (type === "autoscale.scaled") {
      return `${move} by ${data.actuator} (${data.trigger}) in ${
        dur(Number(data.durationMs))
      }`;
    }
    if (type === "autoscale.failed") return `${move} failed: ${data.error}`;
    if (type === "autoscale.manual_scaled") {
      return `${move} by hand: ${data.reason}; automatic actions wait until ${
        clock(String(data.holdUntil))
      }`;
    }
    const reasons = (data.reasons as {
      metric: string;
      value: number;
      target: number;
      replicas: number;
    }[] ?? []).map((r) =>
      `${r.metric} ${num(r.value, 2)}/${num(r.target, 2)} → ${r.replicas}`
    );
    const forecast = data.forecast as
      | { used: boolean; note: string | null }
      | null;
    return [
      `${data.action} ${data.current} → ${data.desired}`,
      ...reasons,
      ...(forecast && !forecast.used && forecast.note
        ? [`forecast: ${forecast.note}`]
        : []),
      ...(data.held ? [`held: ${data.held}`] : []),
      ...(data.limits as string[] ?? []),
    ].join("; ");
  };
  return [
    `Autoscaler ${a.mode}: ${a.replicas ?? "?"} replicas, ${
      d ? `${d.action} to ${d.desired}` : "no decision yet"
    }`,
    h(
      doc,
      "div",
      null,
      facts(doc, [
        ["Mode", a.mode],
        [
          "Replicas",
          `${num(a.replicas)} now, ${
            num(a.desired)
          } wanted (${a.minReplicas}–${a.maxReplicas})`,
        ],
        ["Supervisor", a.supervisor ?? "–"],
        ["Actuator", a.actuator ?? "none (recommends only)"],
        ["Interval", dur(a.intervalMs)],
        [
          "Forecast",
          a.forecast && a.forecast.trusted ? "trusted" : "not trusted yet",
        ],
      ]),
      a.chart.measured.length + a.chart.forecast.length > 0
        ? h(
          doc,
          "figure",
          { class: "chart-box" },
          rateChart(doc, a),
          h(
            doc,
            "figcaption",
            null,
            "Command rate (commands/s): measured line over the band forecast for it; dashed: the forecast ahead.",
          ),
        )
        : h(doc, "p", { class: "empty" }, "No samples yet."),
      table(
        doc,
        "decisions",
        "Latest decisions",
        ["When", "Event", "Why"],
        a.decisions.map((item) => [
          clock(item.at),
          item.type.replace("autoscale.", ""),
          why(item.type, item.data),
        ]),
        "No decision recorded yet.",
      ),
    ),
  ];
}

/** Chaos: active faults per node, running experiments with their probes, history. */
export function renderChaos(doc: Doc, s: ConsoleStatus): [string, El] {
  const c = s.chaos;
  if (!c) return ["Chaos could not be read", h(doc, "p", null, "–")];
  if (!c.enabled || !c.status) {
    return [
      "Chaos is off on this node",
      h(
        doc,
        "p",
        { class: "empty" },
        "TMS_CHAOS is not on: no fault can be injected here.",
      ),
    ];
  }
  const faults = c.status.nodes.flatMap((n) =>
    n.faults.map((f) => ({ node: n.node, fault: f }))
  );
  const nodes = new Set(faults.map((f) => f.node)).size;
  return [
    faults.length === 0
      ? `No faults active on ${count(c.status.nodes.length, "node")}; ${
        count(c.running.length, "experiment")
      } running`
      : `${count(faults.length, "fault")} active on ${count(nodes, "node")}; ${
        count(c.running.length, "experiment")
      } running`,
    h(
      doc,
      "div",
      null,
      table(
        doc,
        "faults",
        "Active faults",
        ["Node", "Fault", "Selector", "Ends"],
        faults.map(({ node, fault }) => [
          node,
          h(doc, "code", null, fault.kind),
          JSON.stringify(fault.selector),
          clock(fault.expiresAt),
        ]),
        `No faults active (${
          c.status.nodes.map((n) => n.node).join(", ")
        } answered${
          c.status.missing.length
            ? `; missing ${c.status.missing.join(", ")}`
            : ""
        }).`,
      ),
      h(doc, "h3", null, "Running experiments"),
      c.running.length === 0
        ? h(doc, "p", { class: "empty" }, "No experiment is running.")
        : h(
          doc,
          "ul",
          { class: "experiments" },
          ...c.running.map((e) =>
            h(
              doc,
              "li",
              null,
              h(doc, "strong", null, e.title),
              ` (${e.status}, since ${
                clock(e.startedAt)
              }, ${e.deviations} deviations, ${e.faults.length} faults)`,
              e.probes.length === 0
                ? h(doc, "p", { class: "note" }, "No probe checked yet.")
                : h(
                  doc,
                  "ul",
                  { class: "probes" },
                  ...e.probes.map((p) =>
                    h(
                      doc,
                      "li",
                      null,
                      badge(doc, p.ok, "within", "deviates"),
                      ` ${p.probe}: ${num(p.value, 1)} (tolerance ${
                        num(p.tolerance, 2)
                      })`,
                    )
                  ),
                ),
            )
          ),
        ),
      table(
        doc,
        "history",
        "Experiment history, newest first",
        ["Created", "Title", "Status", "Outcome", "Deviations"],
        c.history.map((e) => [
          clock(e.createdAt),
          e.title,
          e.status,
          e.outcome ?? e.abortReason ?? "",
          num(e.deviations),
        ]),
        "No experiments yet.",
      ),
    ),
  ];
}

/** What an emergency stop did, node by node. */
export function renderStopReport(
  doc: Doc,
  report: {
    at: string;
    durationMs: number;
    nodes: { node: string; cleared: number; ms: number | null }[];
    missing: string[];
  },
): El {
  return h(
    doc,
    "div",
    null,
    h(
      doc,
      "p",
      null,
      `Emergency stop at ${
        clock(report.at)
      }: ${report.nodes.length} nodes confirmed in ${dur(report.durationMs)}${
        report.missing.length
          ? `; no answer from ${report.missing.join(", ")}`
          : ""
      }.`,
    ),
    h(
      doc,
      "ul",
      { class: "confirmations" },
      ...report.nodes.map((n) =>
        h(
          doc,
          "li",
          null,
          badge(doc, true, "confirmed"),
          ` ${n.node}: cleared ${count(n.cleared, "fault")}${
            n.ms === null ? "" : ` in ${dur(n.ms)}`
          }`,
        )
      ),
      ...report.missing.map((node) =>
        h(doc, "li", null, badge(doc, false, "", "no answer"), ` ${node}`)
      ),
    ),
  );
}

/** A CloudEvent of the stream as a row (`no.tms.<aggregate>.<event>.v<n>`). */
export function eventRow(id: string, data: string): EventRow | null {
  try {
    const e = JSON.parse(data) as {
      type?: string;
      subject?: string;
      bedriftid?: string;
      tmscommittedat?: string;
      time?: string;
    };
    const parts = (e.type ?? "").split(".");
    return {
      id,
      type: e.type ?? "",
      aggregate: parts[2] ?? "",
      event: parts.slice(3).join("."),
      subject: e.subject ?? "",
      bedrift: e.bedriftid ?? "",
      at: e.tmscommittedat ?? e.time ?? "",
    };
  } catch {
    return null;
  }
}

/** One event in the list. */
export function eventItem(doc: Doc, row: EventRow): El {
  return h(
    doc,
    "li",
    { "data-event": row.id },
    h(doc, "time", { datetime: row.at }, clock(row.at)),
    " ",
    h(doc, "code", null, `${row.aggregate}.${row.event}`),
    ` ${row.aggregate} `,
    h(doc, "code", null, row.subject),
    row.bedrift && row.bedrift !== row.subject
      ? h(doc, "span", null, " · bedrift ", h(doc, "code", null, row.bedrift))
      : "",
    h(doc, "span", { class: "pos" }, ` #${row.id}`),
  );
}
