/**
 * The ops console's panels, rendered in the browser from a status snapshot.
 * These functions run in the page, not in Deno: `console_page.ts` serves
 * their source (`Function.prototype.toString`, as Deno transpiled it) in
 * the page's one script, so each is self-contained — it calls only the
 * other functions of the script by name and uses nothing else of its
 * module at run time.
 */
import type { Doc, El } from "./console_dom.ts";
import type { ConsoleStatus } from "../schemas/mod.ts";

/** Content of an element: elements, text, or nothing. */
export type Kid = El | string | null | undefined | false;

/** An element with attributes (`class` is the class name) and content. */
export function h(
  doc: Doc,
  tag: string,
  attrs: Record<string, string | number | boolean | null | undefined> | null,
  ...kids: Kid[]
): El {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = String(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const kid of kids) {
    if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
  }
  return el;
}

/** A number for people: `1 234.5`, `–` for none. */
export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return "–";
  }
  return value.toLocaleString("en-GB", {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });
}

/** `1 fault`, `2 faults`. */
export function count(n: number, word: string): string {
  return `${num(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** Milliseconds as `850 ms`, `12.3 s` or `4 min`. */
export function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${num(ms, ms < 10 ? 2 : 0)} ms`;
  if (ms < 120_000) return `${num(ms / 1000, 1)} s`;
  return `${num(ms / 60_000, 0)} min`;
}

/** A time of day (`14:03:22`) from epoch ms or ISO text. */
export function clock(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return "–";
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return "–";
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

/** A pass/fail badge: the word, not the colour alone, says it. */
export function badge(doc: Doc, ok: boolean, yes = "pass", no = "fail"): El {
  return h(
    doc,
    "span",
    { class: ok ? "badge ok" : "badge bad" },
    ok ? yes : no,
  );
}

/** A table in a keyboard-scrollable region, with a caption and column headers. */
export function table(
  doc: Doc,
  key: string,
  caption: string,
  headers: string[],
  rows: Kid[][],
  empty: string,
): El {
  if (rows.length === 0) return h(doc, "p", { class: "empty" }, empty);
  return h(
    doc,
    "div",
    {
      class: "scroll",
      tabindex: 0,
      role: "region",
      "aria-label": caption,
      "data-key": key,
    },
    h(
      doc,
      "table",
      null,
      h(doc, "caption", { class: "sr" }, caption),
      h(
        doc,
        "thead",
        null,
        h(
          doc,
          "tr",
          null,
          ...headers.map((text) => h(doc, "th", { scope: "col" }, text)),
        ),
      ),
      h(
        doc,
        "tbody",
        null,
        ...rows.map((cells) =>
          h(doc, "tr", null, ...cells.map((cell) => h(doc, "td", null, cell)))
        ),
      ),
    ),
  );
}

/** A list of `term: value` pairs. */
export function facts(doc: Doc, pairs: [string, Kid][]): El {
  return h(
    doc,
    "dl",
    { class: "facts" },
    ...pairs.flatMap(([term, value]) => [
      h(doc, "dt", null, term),
      h(doc, "dd", null, value),
    ]),
  );
}

/** Nodes and health: the live nodes, this node's components. */
export function renderHealth(doc: Doc, s: ConsoleStatus): [string, El] {
  const checks = Object.entries(s.health?.checks ?? {});
  const failing = checks.filter(([, c]) => !c.ok).map(([name]) => name);
  const summary = !s.health
    ? "Health could not be read"
    : failing.length === 0
    ? `All ${checks.length} components of ${s.node.id} pass`
    : `${failing.length} of ${checks.length} components fail: ${
      failing.join(", ")
    }`;
  const detail = (check: Record<string, unknown>) =>
    Object.entries(check).filter(([k, v]) =>
      k !== "ok" && (typeof v !== "object" || v === null)
    ).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(" · ");
  return [
    summary,
    h(
      doc,
      "div",
      null,
      table(
        doc,
        "nodes",
        "Live nodes",
        ["Node", "Shards held", "This node"],
        s.nodes.map((n) => [
          h(doc, "code", null, n.id),
          n.shards === null ? "all (embedded)" : num(n.shards),
          n.self ? "yes" : "",
        ]),
        "No live nodes",
      ),
      facts(doc, [
        ["Mode", s.node.mode],
        ["Uptime", dur(s.node.uptimeS * 1000)],
        ["Memory (RSS)", `${num(s.node.rssBytes / 1048576, 0)} MiB`],
        ["Started", badge(doc, s.node.startup.ok, "yes", "not yet")],
      ]),
      table(
        doc,
        "components",
        `Components of ${s.node.id}`,
        ["Component", "State", "Detail"],
        checks.map(([name, check]) => [
          name,
          badge(doc, check.ok),
          detail(check),
        ]),
        "No components",
      ),
    ),
  ];
}

/** The shard map: who holds each shard, its lease age, the moves. */
export function renderShards(doc: Doc, s: ConsoleStatus): [string, El] {
  const map = s.shards;
  if (!map) {
    return [
      "Embedded node: every actor runs here",
      h(
        doc,
        "p",
        { class: "empty" },
        "This node runs alone (no NATS): it holds every shard; there is no placement to show.",
      ),
    ];
  }
  const nodes = [
    ...new Set(map.leases.map((l) => l.node).filter((n) => n !== null)),
  ].sort() as string[];
  const tag = (node: string | null) =>
    node === null ? "free" : `n${nodes.indexOf(node) % 6}`;
  const counts = nodes.map((node) =>
    `${node} ${map.leases.filter((l) => l.node === node).length}`
  );
  const stale =
    map.leases.filter((l) => l.ageMs !== null && l.ageMs > map.ttlMs)
      .length;
  return [
    `${map.count} shards: ${counts.join(", ") || "none held"}${
      stale ? `; ${stale} leases expired` : ""
    }`,
    h(
      doc,
      "div",
      null,
      h(
        doc,
        "ul",
        { class: "legend", "aria-label": "Nodes" },
        ...nodes.map((node) =>
          h(
            doc,
            "li",
            null,
            h(
              doc,
              "span",
              { class: `swatch ${tag(node)}` },
              String.fromCharCode(65 + nodes.indexOf(node)),
            ),
            ` ${node}`,
          )
        ),
      ),
      h(
        doc,
        "ol",
        { class: "shards", "aria-label": "Shards" },
        ...map.leases.map((l) =>
          h(
            doc,
            "li",
            { class: `shard ${tag(l.node)}` },
            h(doc, "span", { "aria-hidden": "true" }, String(l.shard)),
            h(
              doc,
              "span",
              { class: "who", "aria-hidden": "true" },
              l.node === null
                ? "–"
                : String.fromCharCode(65 + nodes.indexOf(l.node)),
            ),
            h(
              doc,
              "span",
              { class: "sr" },
              `Shard ${l.shard}: ${l.node ?? "free"}, lease ${
                dur(l.ageMs)
              } old, ${l.moves} moves`,
            ),
          )
        ),
      ),
      h(
        doc,
        "p",
        { class: "note" },
        `Lease TTL ${dur(map.ttlMs)}; ages as this node last saw them.`,
      ),
      table(
        doc,
        "moves",
        "Recent shard moves",
        ["When", "Shard", "From", "To"],
        map.moves.slice(0, 10).map((m) => [
          clock(m.at),
          String(m.shard),
          m.from,
          m.to,
        ]),
        "No shard has moved since this node started.",
      ),
    ),
  ];
}

/** Actors: counts, the deepest mailboxes, parked actors. */
export function renderActors(doc: Doc, s: ConsoleStatus): [string, El] {
  const a = s.actors;
  return [
    `${count(a.active, "active actor")}, ${a.parked.length} parked`,
    h(
      doc,
      "div",
      null,
      facts(doc, [
        ["Active", num(a.active)],
        ["Queued messages", num(a.queued)],
        ["Deepest mailbox", num(a.maxMailboxDepth)],
        ["Commands/s", num(a.commandsPerS, 1)],
        ["Commands handled", num(a.commands)],
        ["Restarts", num(a.restarts)],
      ]),
      table(
        doc,
        "mailboxes",
        "Deepest mailboxes",
        ["Actor", "Waiting"],
        a.mailboxes.map((m) => [
          h(doc, "code", null, `${m.type}/${m.id}`),
          num(m.depth),
        ]),
        "No messages waiting.",
      ),
      table(
        doc,
        "parked",
        "Parked actors",
        ["Actor", "Until", "Why"],
        a.parked.map((p) => [
          h(doc, "code", null, `${p.type}/${p.id}`),
          clock(p.until),
          p.reason,
        ]),
        "No actor is parked.",
      ),
    ),
  ];
}

/** The event log: head, rate, group commits. */
export function renderLog(doc: Doc, s: ConsoleStatus): [string, El] {
  const log = s.log;
  const g = log.groupCommit;
  return [
    `Event log (${log.backend}) ${
      log.head === null ? "unreachable" : "answers"
    }`,
    facts(doc, [
      ["Backend", log.backend],
      ["Head position", num(log.head)],
      ["Commits/s", num(log.commitsPerS, 1)],
      ...(g
        ? [
          ["Group-commit batch", `${num(g.batchSize, 2)} commits/atomic`],
          [
            "Commit latency",
            `mean ${dur(g.latencyMs.mean)} · p99 ≤ ${
              dur(g.latencyMs.p99)
            } · max ${dur(g.latencyMs.max)}`,
          ],
          ["Atomics", num(g.atomics)],
          ["Not yet indexed", num(g.unindexed)],
        ] as [string, Kid][]
        : [["Group commit", "one message per commit (JetStream)"]] as [
          string,
          Kid,
        ][]),
    ]),
  ];
}

/** Projections: position, lag, state, failures, and the projector lease. */
export function renderProjections(doc: Doc, s: ConsoleStatus): [string, El] {
  const p = s.projections;
  if (!p) return ["Projections could not be read", h(doc, "p", null, "–")];
  const behind = p.items.filter((i) => i.lagPositions > 0);
  const failed = p.items.filter((i) => i.failure !== null);
  const lease = p.role === "own"
    ? "This node projects into its own read models (no lease)."
    : p.role === "follower"
    ? "This node runs no projections: it reads what the projector writes."
    : `Projector lease: this node is ${p.role}; holder ${p.holder ?? "none"}.`;
  const summary = p.items.length === 0
    ? lease
    : failed.length > 0
    ? `${failed.length} projections halted: ${
      failed.map((i) => i.name).join(", ")
    }`
    : behind.length === 0
    ? `All ${p.items.length} projections caught up (lag 0)`
    : `${behind.length} of ${p.items.length} projections behind`;
  return [
    summary,
    h(
      doc,
      "div",
      null,
      h(doc, "p", { class: "note" }, lease),
      table(
        doc,
        "projections",
        "Projections and their lag",
        ["Name", "State", "Position", "Lag", "Lag ms", "Failure"],
        p.items.map((i) => [
          i.name,
          h(doc, "span", {
            class: i.state === "live"
              ? "badge ok"
              : i.state === "failed"
              ? "badge bad"
              : "badge",
          }, i.state),
          num(i.position),
          num(i.lagPositions),
          num(i.lagMs),
          i.failure
            ? `at ${i.failure.position}: ${i.failure.error}`
            : i.lastError ?? "",
        ]),
        "No projections run on this node.",
      ),
    ),
  ];
}

/** Dead letters, each open one with a retry button. */
export function renderDeadLetters(doc: Doc, s: ConsoleStatus): [string, El] {
  const d = s.deadLetters;
  if (!d) return ["Dead letters could not be read", h(doc, "p", null, "–")];
  return [
    d.open === 0
      ? "No open dead letters"
      : `${count(d.open, "open dead letter")}`,
    table(
      doc,
      "dead-letters",
      "Dead letters, newest first",
      ["Letter", "What", "Status", "Reason", "Failures", "Action"],
      d.items.map((l) => [
        h(doc, "code", null, l.id),
        l.command
          ? `${l.command.type}/${l.command.id}`
          : l.projection
          ? `${l.projection.name} at ${l.projection.position}`
          : l.kind,
        h(doc, "span", {
          class: l.status === "resolved"
            ? "badge ok"
            : l.status === "open"
            ? "badge bad"
            : "badge",
        }, l.status),
        l.resolution ?? l.reason,
        num(l.failures),
        l.status === "open"
          ? h(
            doc,
            "button",
            {
              type: "button",
              class: "small",
              "data-retry": l.id,
              "data-key": `retry-${l.id}`,
              "aria-label": `Retry dead letter ${l.id}`,
            },
            "Retry",
          )
          : "",
      ]),
      "No dead letters: nothing has failed for good.",
    ),
  ];
}
