/**
 * The ops console: `GET /console`, one page an operator keeps open (open to
 * load; everything behind it needs an ADMIN's token), and its data —
 * `GET /api/v<n>/console/status` (a snapshot, ADMIN) and
 * `GET /api/v<n>/console/stream` (ADMIN; server-sent events: a `status`
 * snapshot every interval and every `event` of the feed, for a browser
 * with a single-use `?ticket=` from `POST /stream/tickets`, resumable
 * after an event id with `lastEventId`).
 */
import { z } from "../deps.ts";
import { AUDIENCE_ROLES } from "../actors/outbound/mod.ts";
import type { EventLog } from "../runtime/core/mod.ts";
import { ConsoleStatusView } from "../schemas/mod.ts";
import { principal } from "./auth.ts";
import type { EdgeDeps } from "./context.ts";
import { CONSOLE_HTML, consoleCsp } from "./console_page.ts";
import { ConsoleMonitor } from "./console_status.ts";
import { consoleStream } from "./console_stream.ts";
import {
  realtimeOf,
  resumeCursor,
  SSE_RESPONSES,
  TicketParam,
} from "./realtime.ts";
import { roomFilter } from "./realtime_rooms.ts";
import { plain, reply } from "./representation.ts";
import { RouteGroup } from "./route.ts";

/** Commits of the aggregates with outbound events a console gets first (about one event each). */
const REPLAYED_COMMITS = 50;
/** Most commits looked at, back from the head, to find them. */
const REPLAY_SCAN_LIMIT = 1000;
/** Aggregates whose commits become events of the stream. */
const OUTBOUND_TYPES = new Set(Object.keys(AUDIENCE_ROLES));

/**
 * Where a console that names no event id starts: before the last
 * `REPLAYED_COMMITS` commits of aggregates that have outbound events, looked
 * for back from the head over at most `REPLAY_SCAN_LIMIT` commits — so the
 * supervisors' own commits (probes, decisions) do not crowd the events out.
 */
async function replayStart(
  log: EventLog,
  head: number,
  signal?: AbortSignal,
): Promise<number> {
  let found = 0;
  let to = head;
  while (to > 0 && head - to < REPLAY_SCAN_LIMIT) {
    const from = Math.max(0, to - 200);
    const commits = await log.readFeed(from, to - from, { signal });
    for (let i = commits.length - 1; i >= 0; i--) {
      if (OUTBOUND_TYPES.has(commits[i].type) && ++found >= REPLAYED_COMMITS) {
        return commits[i].position - 1;
      }
    }
    to = from;
  }
  return to;
}

const StatusRep = plain<unknown>("ConsoleStatus", ConsoleStatusView);

const StreamQuery = z.object({
  ticket: TicketParam,
  lastEventId: z.string().max(40).optional().describe(
    "Resume the events after this id (as the Last-Event-ID header; the header wins); without one, the events of the last 50 domain commits come first",
  ),
});

/** Routes of the console: the page, and its status and stream under `/api/`. */
export function consoleRoutes(
  deps: EdgeDeps,
  options: { intervalMs?: number } = {},
): RouteGroup[] {
  const monitor = new ConsoleMonitor(deps, options);
  const page = new RouteGroup({
    tag: "Console",
    description:
      "The ops console: one page over the node's status and live events (ADMIN)",
    base: "",
    versioned: false,
  });
  let csp: Promise<string> | undefined;
  page.route({
    method: "get",
    path: "/console",
    operationId: "opsConsole",
    summary: "The ops console (an HTML page; its data needs an ADMIN's login)",
    responses: {
      200: {
        description: "The page, its script and styles inline",
        content: { "text/html": { schema: { type: "string" } } },
      },
    },
    problems: [],
    access: "public",
  }, async (c) => {
    csp ??= consoleCsp();
    c.header("Content-Security-Policy", await csp);
    c.header("Cache-Control", "no-cache");
    return c.html(CONSOLE_HTML);
  });

  const api = new RouteGroup({
    tag: "Console",
    description:
      "The ops console: one page over the node's status and live events (ADMIN)",
    base: "/console",
    versioned: true,
  });
  api.route({
    method: "get",
    path: "/status",
    operationId: "getConsoleStatus",
    summary:
      "A snapshot of this node: health, nodes and shards, actors, log, projections, dead letters, autoscaler, chaos",
    responses: { 200: { description: "The snapshot", body: StatusRep } },
    problems: [401, 403],
  }, async (c) => reply(c, StatusRep, await monitor.snapshot()));

  api.route({
    method: "get",
    path: "/stream",
    operationId: "consoleStream",
    summary:
      "Server-sent events: a status snapshot every interval, and the feed's events",
    description:
      "`text/event-stream` with `event: status` (the snapshot of GET /console/status, every 2 s while the client reads) and `event: event` (id `<position>-<index>`, data the CloudEvent, as GET /stream sends them to an ADMIN). A client that falls behind, or whose token expires, gets a last `event: error` saying why; reconnect with a new ticket and `lastEventId`.",
    request: { query: StreamQuery },
    responses: SSE_RESPONSES,
    problems: [400, 401, 403, 422, 503],
  }, async (c, { query }) => {
    const realtime = realtimeOf(deps);
    let after = resumeCursor(c, query.lastEventId);
    if (!after) {
      const head = await deps.system.log.headPosition({
        signal: c.get("signal"),
      });
      after = {
        position: await replayStart(deps.system.log, head, c.get("signal")),
        index: Infinity,
      };
    }
    const who = principal(c);
    const events = realtime.hub.subscribe({
      accepts: roomFilter(who, () => [{ kind: "role", id: who.role }]),
      after,
      ...realtime.limits,
    });
    const seconds = c.get("credentialsExpireAt");
    return consoleStream({
      snapshot: () => monitor.snapshot(),
      intervalMs: monitor.intervalMs,
      events,
      expiresAt: seconds === undefined ? undefined : seconds * 1000,
    });
  });

  return [page, api];
}
