/**
 * The ops console's script: login through the API (the tokens live in this
 * script's memory only, never in storage or a cookie, so no other page or
 * cross-site request can use them and a reload logs out), the refusal of a
 * user who is not an ADMIN, the console stream (a single-use ticket from
 * `POST /stream/tickets`, because `EventSource` cannot send
 * `Authorization`; reconnected with a new ticket, resuming the events after
 * the last one seen), the panels, the event filters and the operator's
 * actions (retry a dead letter, start an experiment, the emergency stop).
 *
 * It runs in the browser: `console_page.ts` serves this function's source as
 * Deno transpiled it, together with the render functions, and calls it
 * with `window`.
 */
import type { Browser, DomEvent, El } from "./console_dom.ts";
import type { ConsoleStatus } from "../schemas/mod.ts";
import {
  h,
  renderActors,
  renderDeadLetters,
  renderHealth,
  renderLog,
  renderProjections,
  renderShards,
} from "./console_render.ts";
import {
  eventItem,
  eventRow,
  renderAutoscale,
  renderChaos,
  renderStopReport,
} from "./console_render_ops.ts";
import type { EventRow } from "./console_render_ops.ts";

/** Starts the console in the page. */
export function consoleApp(win: Browser): void {
  const doc = win.document;
  const byId = (id: string): El => {
    const el = doc.getElementById(id);
    if (!el) throw new Error(`#${id} is missing`);
    return el;
  };
  const PANELS = [
    "health",
    "shards",
    "actors",
    "log",
    "projections",
    "dead-letters",
    "autoscale",
    "chaos",
  ];
  const MAX_EVENTS = 300;
  const SHOWN_EVENTS = 100;
  let session: { access: string; refresh: string } | null = null;
  let source: EventSource | null = null;
  let refreshTimer: number | undefined;
  let reconnectTimer: number | undefined;
  let backoff = 1000;
  let lastEventId: string | null = null;
  let events: EventRow[] = [];
  let paused = false;
  const rendered = new Map<string, string>();
  const summaries = new Map<string, string>();

  class ApiError extends Error {
    status: number;
    constructor(status: number, message: string) {
      super(message);
      this.status = status;
    }
  }

  const api = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (session) headers.authorization = `Bearer ${session.access}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await win.fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) {
      throw new ApiError(
        res.status,
        (json && (json.detail ?? json.title)) ?? `HTTP ${res.status}`,
      );
    }
    return json;
  };

  const setConnection = (text: string, live: boolean) => {
    const el = byId("connection");
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("live", live);
  };

  const show = (view: "login" | "refused" | "dashboard") => {
    byId("login-view").hidden = view !== "login";
    byId("refused-view").hidden = view !== "refused";
    byId("dashboard").hidden = view !== "dashboard";
    byId("logout").hidden = view === "login";
  };

  /** Replaces a panel's body when its data changed, keeping keyboard focus. */
  const patch = (name: string, data: unknown, render: () => [string, El]) => {
    const key = JSON.stringify(data);
    if (rendered.get(name) === key) return;
    rendered.set(name, key);
    const [summary, body] = render();
    const box = byId(`${name}-body`);
    const active = doc.activeElement;
    const focusKey = active && box.contains(active)
      ? active.getAttribute("data-key")
      : null;
    box.replaceChildren(body);
    if (focusKey) box.querySelector(`[data-key="${focusKey}"]`)?.focus();
    if (summaries.get(name) !== summary) {
      summaries.set(name, summary);
      byId(`${name}-summary`).textContent = summary;
    }
  };

  const render = (s: ConsoleStatus) => {
    byId("node-id").textContent = s.node.id;
    byId("updated").textContent = new Date(s.at).toLocaleTimeString("en-GB", {
      hour12: false,
    });
    const { at: _, ...data } = s;
    patch(
      "health",
      [data.health, data.nodes, data.node.startup],
      () => renderHealth(doc, s),
    );
    patch("shards", data.shards, () => renderShards(doc, s));
    patch("actors", data.actors, () => renderActors(doc, s));
    patch("log", data.log, () => renderLog(doc, s));
    patch("projections", data.projections, () => renderProjections(doc, s));
    patch("dead-letters", data.deadLetters, () => renderDeadLetters(doc, s));
    patch("autoscale", data.autoscale, () => renderAutoscale(doc, s));
    patch("chaos", data.chaos, () => renderChaos(doc, s));
    const problems = Object.entries(s.errors)
      .map(([section, why]) => `${section}: ${why}`).join("; ");
    const errors = byId("errors");
    errors.hidden = problems === "";
    // The same text again would be announced again.
    if (errors.textContent !== problems) errors.textContent = problems;
    const chaosOn = s.chaos?.enabled === true;
    byId("emergency-stop").disabled = !chaosOn;
    byId("chaos-start").disabled = !chaosOn;
  };

  const matches = (row: EventRow) => {
    const type = byId("filter-type").value;
    const bedrift = byId("filter-bedrift").value.trim();
    return (!type || row.aggregate === type) &&
      (!bedrift || row.bedrift === bedrift);
  };

  const renderEvents = () => {
    const shown = events.filter(matches).slice(0, SHOWN_EVENTS);
    byId("events-list").replaceChildren(
      ...shown.map((row) => eventItem(doc, row)),
    );
    byId("events-empty").hidden = shown.length > 0;
    byId("events-count").textContent = `${shown.length} of ${events.length}`;
  };

  const addEvent = (id: string, data: string) => {
    const row = eventRow(id, data);
    if (!row) return;
    lastEventId = id;
    events.unshift(row);
    if (events.length > MAX_EVENTS) events.length = MAX_EVENTS;
    const select = byId("filter-type");
    if (
      row.aggregate &&
      !select.querySelector(`option[value="${row.aggregate}"]`)
    ) {
      select.append(h(doc, "option", { value: row.aggregate }, row.aggregate));
    }
    if (paused || !matches(row)) return;
    const list = byId("events-list");
    list.replaceChildren(
      eventItem(doc, row),
      ...Array.from(list.children).slice(0, SHOWN_EVENTS - 1),
    );
    byId("events-empty").hidden = true;
    byId("events-count").textContent =
      `${list.children.length} of ${events.length}`;
  };

  const disconnect = () => {
    source?.close();
    source = null;
    win.clearTimeout(reconnectTimer);
  };

  const reconnect = (why: string) => {
    disconnect();
    if (!session) return;
    setConnection(`Reconnecting (${why})…`, false);
    reconnectTimer = win.setTimeout(() => void connect(), backoff);
    backoff = Math.min(backoff * 2, 10_000);
  };

  const connect = async () => {
    disconnect();
    if (!session) return;
    let ticket: string;
    try {
      ticket = (await api("POST", "/stream/tickets")).ticket;
    } catch (error) {
      return reconnect(error instanceof Error ? error.message : "no ticket");
    }
    const query = `ticket=${encodeURIComponent(ticket)}${
      lastEventId ? `&lastEventId=${encodeURIComponent(lastEventId)}` : ""
    }`;
    const es = new win.EventSource(`/api/v1/console/stream?${query}`);
    source = es;
    es.addEventListener("open", () => {
      backoff = 1000;
      setConnection("Live", true);
    });
    es.addEventListener("status", (e: MessageEvent<string>) => {
      render(JSON.parse(e.data));
    });
    es.addEventListener("status-error", (e: MessageEvent<string>) => {
      const errors = byId("errors");
      errors.hidden = false;
      errors.textContent = `Status: ${JSON.parse(e.data).message}`;
    });
    es.addEventListener("event", (e: MessageEvent<string>) => {
      addEvent(e.lastEventId, e.data);
    });
    es.addEventListener("error", (e: Event) => {
      if (source !== es) return;
      const data = (e as MessageEvent<string>).data;
      const reason = data ? JSON.parse(data).reason : "connection lost";
      reconnect(reason);
    });
  };

  const scheduleRefresh = (expiresIn: number) => {
    win.clearTimeout(refreshTimer);
    refreshTimer = win.setTimeout(async () => {
      if (!session) return;
      try {
        const pair = await api("POST", "/auth/refresh", {
          refreshToken: session.refresh,
        });
        session = { access: pair.accessToken, refresh: pair.refreshToken };
        scheduleRefresh(pair.expiresIn);
      } catch {
        logout("Your session ended: log in again.");
      }
    }, Math.max(10, expiresIn - 60) * 1000);
  };

  const logout = (message = "") => {
    const ending = session;
    session = null;
    disconnect();
    win.clearTimeout(refreshTimer);
    if (ending) {
      void win.fetch("/api/v1/auth/logout", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${ending.access}`,
        },
        body: JSON.stringify({ refreshToken: ending.refresh }),
      }).catch(() => {});
    }
    events = [];
    lastEventId = null;
    rendered.clear();
    summaries.clear();
    // Nothing of the session stays in the page.
    for (const name of PANELS) {
      byId(`${name}-body`).replaceChildren(
        h(doc, "p", { class: "empty" }, "Waiting for the first status…"),
      );
      byId(`${name}-summary`).textContent = "";
    }
    for (const id of ["stop-report", "chaos-message", "dead-letters-message"]) {
      byId(id).textContent = "";
    }
    byId("events-list").replaceChildren();
    setConnection("Not connected", false);
    byId("login-error").textContent = message;
    show("login");
    byId("email").focus();
  };

  const loadFaultTypes = async () => {
    try {
      const { items } = await api("GET", "/chaos/faults/types");
      const select = byId("chaos-kind");
      select.replaceChildren(
        ...(items as { kind: string; description: string }[]).map((t) =>
          h(doc, "option", { value: t.kind }, `${t.kind} — ${t.description}`)
        ),
      );
      byId("fault-types").replaceChildren(
        ...(items as { kind: string; seam: string; scope: string }[]).map((
          t,
        ) =>
          h(
            doc,
            "li",
            null,
            h(doc, "code", null, t.kind),
            ` ${t.seam}, per ${t.scope}`,
          )
        ),
      );
    } catch {
      byId("fault-types").replaceChildren(
        h(doc, "li", null, "Chaos is not enabled on this node."),
      );
    }
  };

  byId("login").addEventListener("submit", async (event: DomEvent) => {
    event.preventDefault();
    const error = byId("login-error");
    error.textContent = "";
    const button = byId("login-submit");
    button.disabled = true;
    try {
      const pair = await api("POST", "/auth/login", {
        email: byId("email").value,
        password: byId("password").value,
      });
      session = { access: pair.accessToken, refresh: pair.refreshToken };
      byId("password").value = "";
      scheduleRefresh(pair.expiresIn);
      try {
        render(await api("GET", "/console/status"));
      } catch (e) {
        if (e instanceof ApiError && e.status === 403) {
          // Not an ADMIN: the session is given up at once.
          logout();
          byId("refused-reason").textContent = e.message;
          show("refused");
          byId("refused-title").focus();
          return;
        }
        throw e;
      }
      show("dashboard");
      byId("dashboard-title").focus();
      void loadFaultTypes();
      void connect();
    } catch (e) {
      session = null;
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      button.disabled = false;
    }
  });

  byId("logout").addEventListener("click", () => logout());
  byId("refused-back").addEventListener("click", () => {
    show("login");
    byId("email").focus();
  });
  byId("filter-type").addEventListener("change", renderEvents);
  byId("filter-bedrift").addEventListener("input", renderEvents);
  byId("events-pause").addEventListener("click", () => {
    paused = !paused;
    byId("events-pause").setAttribute("aria-pressed", String(paused));
    byId("events-pause").textContent = paused ? "Resume" : "Pause";
    if (!paused) renderEvents();
  });

  byId("dead-letters-body").addEventListener("click", async (e: DomEvent) => {
    const id = e.target?.getAttribute("data-retry");
    if (!id || !e.target) return;
    const message = byId("dead-letters-message");
    e.target.disabled = true;
    try {
      const letter = await api("POST", `/dead-letters/${id}/retry`);
      message.textContent =
        `Retry of ${id} requested (${letter.status}): the node that can performs it.`;
    } catch (error) {
      message.textContent = `Retry of ${id} failed: ${
        error instanceof Error ? error.message : error
      }`;
      e.target.disabled = false;
    }
  });

  byId("emergency-stop").addEventListener("click", async () => {
    const out = byId("stop-report");
    out.textContent = "Stopping every fault on every node…";
    try {
      const report = await api("POST", "/chaos/safety/emergency-stop");
      out.replaceChildren(renderStopReport(doc, report));
    } catch (error) {
      out.textContent = `The emergency stop failed: ${
        error instanceof Error ? error.message : error
      }`;
    }
  });

  byId("chaos-form").addEventListener("submit", async (event: DomEvent) => {
    event.preventDefault();
    const out = byId("chaos-message");
    const kind = byId("chaos-kind").value;
    const aggregate = byId("chaos-aggregate").value.trim();
    const percent = Number(byId("chaos-percent").value);
    const durationS = Number(byId("chaos-duration").value);
    const selector: Record<string, unknown> = { percent };
    if (aggregate) selector.aggregateTypes = [aggregate];
    try {
      const created = await api("POST", "/chaos/experiments", {
        title: `Console: ${kind}${aggregate ? ` on ${aggregate}` : ""}`,
        hypothesis: {
          probes: [{
            name: "projection lag",
            type: "projection_lag",
            tolerance: 30_000,
            windowS: 5,
          }],
        },
        method: [{ kind, selector, params: {}, durationS }],
        force: byId("chaos-force").checked,
      });
      await api("POST", `/chaos/experiments/${created.id}/start`);
      out.textContent = `Experiment ${created.id} started.`;
    } catch (error) {
      out.textContent = `Not started: ${
        error instanceof Error ? error.message : error
      }`;
    }
  });

  show("login");
}
