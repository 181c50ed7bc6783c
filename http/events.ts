/**
 * `/api/v<n>/events`: what happened, read from the event log itself (through
 * the upcasters, so every event at its current version), never from a side
 * buffer — the catalog of event types with their JSON Schemas, the history
 * (keyset-paged over feed positions, filtered, tenant-scoped, personal data
 * masked for anyone but a platform ADMIN), counts per type and day from the
 * `event_stats` read model with the log's head and rate, and an operator's
 * test event.
 */
import { z } from "../deps.ts";
import { HttpHeaders, UnavailableError } from "../runtime/core/mod.ts";
import type { Commit, EventLog } from "../runtime/core/mod.ts";
import { decodeCursor, encodeCursor } from "../runtime/sql/mod.ts";
import {
  EVENT_CATALOG,
  EVENT_STATS_PROJECTION,
  maskEvent,
  PERSONAL_FIELDS,
  readEventStats,
  STREAM_TENANTS_PROJECTION,
  tenantsOfStreams,
} from "../actors/mod.ts";
import { tenantById } from "../actors/stream_tenants.ts";
import { SYSTEM, SYSTEM_TEST_STREAM } from "../actors/system/mod.ts";
import { parseInstant } from "../actors/validators/mod.ts";
import {
  EVENT_DATA_SCHEMAS,
  EventStatsView,
  EventTypeView,
  EventView,
  TestEventView,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { principal } from "./auth.ts";
import { maskLevel } from "./history.ts";
import { auditPersonalRead, subjectsShown } from "./access_log.ts";
import { awaitPosition } from "./queries.ts";
import { apiBase, page, plain, reply } from "./representation.ts";
import { RouteGroup, WRITE_HEADERS } from "./route.ts";
import { askOptions, ID_PATTERN, now } from "./write.ts";

/** Most commits one history request reads before it answers (with a cursor to go on). */
export const HISTORY_SCAN_LIMIT = 5000;
const BATCH = 500;

const instant = z.string().refine(
  (v) => parseInstant(v) !== null,
  "Must be an ISO-8601 instant with offset, e.g. 2025-03-03T07:00:00Z",
);

/** Query of `GET /events/history`. */
export const EventsHistoryQuery = z.strictObject({
  aggregateType: z.string().regex(/^[a-z_]{1,64}$/, "An aggregate type")
    .optional(),
  aggregateId: z.string().regex(ID_PATTERN, "An aggregate id").optional(),
  eventType: z.string().regex(/^[a-z_]{1,64}\.[a-z_]{1,64}$/, "An event type")
    .optional(),
  bedriftId: z.string().regex(ID_PATTERN, "A bedrift id").optional(),
  fromPosition: z.coerce.number().int().min(1).optional().describe(
    "First feed position (inclusive)",
  ),
  toPosition: z.coerce.number().int().min(1).optional().describe(
    "Last feed position (inclusive)",
  ),
  from: instant.optional().describe(
    "Commits accepted at or after this instant",
  ),
  to: instant.optional().describe("Commits accepted at or before this instant"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).refine(
    (v) => decodeCursor(v, ["number", "number"]) !== null,
    "Not a cursor this list gave out; start again without one",
  ).optional(),
}).refine((q) => !q.aggregateId || q.aggregateType, {
  message: "aggregateId needs aggregateType",
  path: ["aggregateId"],
});

type EventItem = z.output<typeof EventView>;

/** A page of events. */
export const EventPage = page(
  "EventPage",
  plain<EventItem>("Event", EventView),
);

const EventTypesRep = plain<unknown>(
  "EventTypes",
  z.object({ items: z.array(EventTypeView) }),
);
const StatsRep = plain<unknown>("EventStats", EventStatsView);
const TestEventRep = plain<unknown>("TestEvent", TestEventView);

const TestEventBody = z.strictObject({
  note: z.string().trim().max(500).nullish(),
});

/**
 * The first feed position whose commit the log accepted at or after `at`
 * (epoch ms), `head + 1` when none: a binary search over the feed, one
 * single-commit read per step. Commit times follow positions on one writer;
 * across nodes they follow them within the nodes' clock skew.
 */
export async function positionAtOrAfter(
  log: EventLog,
  at: number,
  head: number,
  signal?: AbortSignal,
): Promise<number> {
  let lo = 1;
  let hi = head + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [commit] = await log.readFeed(mid - 1, 1, { signal });
    if (!commit || commit.timestamp >= at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The JSON Schema of an event type's data. */
function dataSchema(type: string): Record<string, unknown> {
  const schema = EVENT_DATA_SCHEMAS[type as keyof typeof EVENT_DATA_SCHEMAS];
  const json = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return json;
}

/** Routes of `/api/v<n>/events`. */
export function eventRoutes(deps: EdgeDeps): RouteGroup {
  const log = deps.system.log;
  const group = new RouteGroup({
    tag: "Events",
    description:
      "What happened, from the event log: the event types, the history, stats and a test event",
    base: "/events",
    versioned: true,
  });

  const types = EVENT_CATALOG.map((entry) => ({
    type: entry.type,
    aggregateType: entry.aggregateTypes.join(" | "),
    version: entry.version,
    personalData: Object.entries(PERSONAL_FIELDS[entry.type]).map((
      [path, masking],
    ) => ({ path, masking })),
    schema: dataSchema(entry.type),
  }));

  group.route({
    method: "get",
    path: "/types",
    operationId: "listEventTypes",
    summary:
      "Every event type with its current schema version, JSON Schema and personal fields",
    responses: { 200: { description: "The catalog", body: EventTypesRep } },
    problems: [401, 403],
  }, (c) => reply(c, EventTypesRep, { items: types }));

  group.route({
    method: "get",
    path: "/history",
    operationId: "listEvents",
    summary: "The events of the log, oldest first, filtered",
    description:
      `Keyset-paged over feed positions. A platform ADMIN sees every bedrift's events; anyone else only their own bedrift's (a stream's bedrift comes from the \`stream_tenants\` read model, so send \`X-TMS-Min-Position\` to include your latest writes), with personal data masked. One request reads at most ${HISTORY_SCAN_LIMIT} commits: a page may hold fewer than \`limit\` events and still have a \`nextCursor\`.`,
    request: { query: EventsHistoryQuery, headers: ["X-TMS-Min-Position"] },
    responses: {
      200: {
        description: "A page of events",
        body: EventPage,
        headers: ["X-TMS-Position"],
      },
    },
    problems: [401, 403, 422, 503],
  }, async (c, { query }) => {
    const who = principal(c);
    const tenant = who.tenant ?? query.bedriftId ?? null;
    const signal = c.get("signal");
    const head = await log.headPosition({ signal });
    const store = deps.readSide?.store;
    if (who.tenant !== null && !store) {
      throw new UnavailableError("This node has no read models", {
        retryAfter: 5,
      });
    }
    if (deps.readSide) {
      await awaitPosition(
        c,
        deps.readSide.positions,
        [STREAM_TENANTS_PROJECTION],
        deps.readSide.minPositionTimeoutMs ?? 5000,
      );
    }
    let start = query.fromPosition ?? 1;
    let end = Math.min(query.toPosition ?? head, head);
    if (query.from) {
      start = Math.max(
        start,
        await positionAtOrAfter(log, parseInstant(query.from)!, head, signal),
      );
    }
    if (query.to) {
      end = Math.min(
        end,
        (await positionAtOrAfter(
          log,
          parseInstant(query.to)! + 1,
          head,
          signal,
        )) -
          1,
      );
    }
    const [afterPosition, afterIndex] = query.cursor
      ? decodeCursor(query.cursor, ["number", "number"]) as [number, number]
      : [start - 1, Number.MAX_SAFE_INTEGER];
    const level = maskLevel(c);
    const items: EventItem[] = [];
    // What an ADMIN is shown in clear, for the access log.
    const shownCommits: Commit[] = [];
    let scannedTo = afterPosition;
    let more = false;
    let reads = 0;

    const take = async (commits: Commit[]) => {
      const tenants = store
        ? await tenantsOfStreams(
          store,
          commits.filter((c) => tenantById(c.type, c.id) === null),
          { signal },
        )
        : new Map<string, string | null>();
      for (const commit of commits) {
        if (commit.position > end) return false;
        scannedTo = commit.position;
        if (query.aggregateType && commit.type !== query.aggregateType) {
          continue;
        }
        if (query.aggregateId && commit.id !== query.aggregateId) continue;
        const bedriftId = tenantById(commit.type, commit.id) ??
          tenants.get(`${commit.type}\u0000${commit.id}`) ?? null;
        if (tenant !== null && bedriftId !== tenant) continue;
        for (let index = 0; index < commit.events.length; index++) {
          if (commit.position === afterPosition && index <= afterIndex) {
            continue;
          }
          const event = commit.events[index];
          if (query.eventType && event.type !== query.eventType) continue;
          if (items.length === query.limit) {
            more = true;
            return false;
          }
          const shown = maskEvent(event, level);
          if (level === "admin") {
            shownCommits.push({ ...commit, events: [event] });
          }
          items.push({
            position: commit.position,
            index,
            aggregateType: commit.type,
            aggregateId: commit.id,
            version: commit.version,
            type: shown.type,
            v: shown.v,
            at: new Date(commit.timestamp).toISOString(),
            bedriftId,
            data: shown.data,
            masked: shown.masked,
          });
        }
      }
      return true;
    };

    // From the partly read commit of the cursor on.
    const resumeAt = afterIndex === Number.MAX_SAFE_INTEGER
      ? afterPosition
      : afterPosition - 1;
    if (query.aggregateType && query.aggregateId) {
      const stream = await log.readStream(
        query.aggregateType,
        query.aggregateId,
        0,
        { signal },
      );
      await take(stream.filter((c) => c.position > resumeAt));
    } else {
      let next = resumeAt;
      while (next < end && reads < HISTORY_SCAN_LIMIT) {
        const batch = await log.readFeed(
          next,
          Math.min(BATCH, end - next, HISTORY_SCAN_LIMIT - reads),
          { signal },
        );
        if (batch.length === 0) break;
        reads += batch.length;
        if (!(await take(batch))) break;
        next = batch[batch.length - 1].position;
      }
      if (!more && reads >= HISTORY_SCAN_LIMIT && scannedTo < end) more = true;
    }
    const last = items[items.length - 1];
    const cursor = !more
      ? null
      : items.length === query.limit && last
      ? encodeCursor([last.position, last.index])
      : encodeCursor([scannedTo, Number.MAX_SAFE_INTEGER]);
    await auditPersonalRead(c, clientOf(deps), subjectsShown(shownCommits));
    c.header(HttpHeaders.position, String(head));
    return reply(c, EventPage, { items, nextCursor: cursor, total: null });
  });

  group.route({
    method: "get",
    path: "/stats",
    operationId: "getEventStats",
    summary:
      "Events per type and per day (read model), the log's head and commits per second over the last minute",
    request: { headers: ["X-TMS-Min-Position"] },
    responses: {
      200: {
        description: "The stats",
        body: StatsRep,
        headers: ["X-TMS-Position"],
      },
    },
    problems: [401, 403, 503],
  }, async (c) => {
    const readSide = deps.readSide;
    if (!readSide) {
      throw new UnavailableError("This node has no read models", {
        retryAfter: 5,
      });
    }
    const signal = c.get("signal");
    await awaitPosition(
      c,
      readSide.positions,
      [EVENT_STATS_PROJECTION],
      readSide.minPositionTimeoutMs ?? 5000,
    );
    const to = Date.now();
    const from = to - 60_000;
    const head = await log.headPosition({ signal });
    const since = await positionAtOrAfter(log, from, head, signal);
    const commits = head - since + 1;
    const readModelPosition = await readSide.positions.position(
      EVENT_STATS_PROJECTION,
      { signal },
    );
    const stats = await readEventStats(readSide.store, {}, { signal });
    c.header(HttpHeaders.position, String(readModelPosition));
    return reply(c, StatsRep, {
      headPosition: head,
      commitsPerSecond: Math.round((commits / 60) * 1000) / 1000,
      lastMinute: {
        commits,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      },
      readModelPosition,
      ...stats,
    });
  });

  group.route({
    method: "post",
    path: "/test",
    operationId: "appendTestEvent",
    summary:
      "Append a system.test event to the system/test stream (to follow through projections, integrations, realtime)",
    request: {
      body: { schema: TestEventBody, optional: true },
      headers: WRITE_HEADERS,
    },
    responses: {
      201: {
        description: "Appended; Location finds it in the history",
        body: TestEventRep,
        headers: ["ETag", "X-TMS-Position", "Location"],
      },
    },
    problems: [400, 401, 403, 412, 422, 429, 503],
  }, async (c, { body }) => {
    const at = now();
    const result = await clientOf(deps).ask(SYSTEM, SYSTEM_TEST_STREAM, {
      type: "test",
      requestedBy: principal(c).subject,
      note: body.note ?? null,
      at,
    }, askOptions(c, "events.test"));
    c.header(HttpHeaders.etag, `"${result.version}"`);
    c.header(HttpHeaders.position, String(result.position));
    c.header(
      "Location",
      `${
        apiBase(c)
      }/events/history?aggregateType=${SYSTEM}&aggregateId=${SYSTEM_TEST_STREAM}&fromPosition=${result.position}`,
    );
    return reply(c, TestEventRep, {
      aggregateType: SYSTEM,
      aggregateId: SYSTEM_TEST_STREAM,
      version: result.version,
      position: result.position,
      type: "system.test",
      at,
    }, 201);
  });

  return group;
}
