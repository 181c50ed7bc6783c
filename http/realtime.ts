/**
 * `/api/v<n>/stream` (server-sent events), `/api/v<n>/ws` (WebSocket) and
 * `/api/v<n>/stream/tickets`: the outbound messages of every commit (the
 * integration events and the realtime-only ones) to the rooms a client
 * joined (`realtime_rooms.ts`), each with its feed position as id. A client
 * resumes with `Last-Event-ID` (SSE) or a `resume` message (WebSocket) and
 * gets exactly what it missed; a client too slow to read is cut off with a
 * reason, never buffered without bound; a connection ends when its token
 * expires.
 */
import { z } from "../deps.ts";
import type { Context } from "../deps.ts";
import { HttpHeaders, UnavailableError } from "../runtime/core/mod.ts";
import { parseFeedCursor, sseResponse } from "../runtime/realtime/mod.ts";
import type {
  BacklogLimits,
  FeedCursor,
  RealtimeHub,
  TicketStore,
} from "../runtime/realtime/mod.ts";
import { USER } from "../actors/user/mod.ts";
import type { UserState } from "../actors/user/mod.ts";
import type { Audience } from "../actors/outbound/mod.ts";
import { principal } from "./auth.ts";
import type { StreamTicket } from "./auth.ts";
import { clientOf } from "./context.ts";
import type { AuthPrincipal, EdgeDeps } from "./context.ts";
import { BadRequestError } from "./problem.ts";
import {
  checkRooms,
  defaultRooms,
  parseRooms,
  roomFilter,
  RoomSyntaxError,
} from "./realtime_rooms.ts";
import type { JoinedRoom, Room } from "./realtime_rooms.ts";
import { plain, reply } from "./representation.ts";
import { RouteGroup } from "./route.ts";
import { WsSession } from "./realtime_ws.ts";

/** What the realtime routes need from the node. */
export interface RealtimeEdge {
  hub: RealtimeHub<Audience>;
  tickets: TicketStore<StreamTicket>;
  /** How far one connection may fall behind (`TMS_REALTIME_MAX_BACKLOG`, `…_BYTES`). */
  limits?: BacklogLimits;
  /** SSE comment / WebSocket ping interval (default 15 s). */
  heartbeatMs?: number;
  /** How long a ticket is valid (default 30 s). */
  ticketTtlMs?: number;
}

/** Rooms from a comma-separated list (a 422 names the bad one). */
const RoomsParam = z.string().max(2000).transform((text, ctx) => {
  try {
    return parseRooms(text.split(",").filter((r) => r.trim() !== ""));
  } catch (error) {
    if (!(error instanceof RoomSyntaxError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
    return z.NEVER;
  }
}).describe(
  "Comma-separated rooms: bedrift:<id>, role:<role>, user:<id> (default: the caller's bedrift and user; an ADMIN's role:ADMIN, everything)",
);

/** `?ticket=`: a single-use ticket instead of `Authorization` (browsers). */
export const TicketParam = z.string().max(100).optional().describe(
  "A single-use ticket from POST /stream/tickets, instead of the Authorization header (browsers)",
);

const StreamQuery = z.object({
  rooms: RoomsParam.optional(),
  ticket: TicketParam,
  lastEventId: z.string().max(40).optional().describe(
    "Resume after this message id (as the Last-Event-ID header; the header wins)",
  ),
});

const WsQuery = z.object({ rooms: RoomsParam.optional(), ticket: TicketParam });

const TicketRep = plain<unknown>(
  "StreamTicket",
  z.object({
    ticket: z.string().describe(
      "Single use; name it as ?ticket= within expiresIn seconds",
    ),
    expiresIn: z.number().int(),
  }),
);

/** The node's realtime edge (503 when it runs none). */
export function realtimeOf(deps: EdgeDeps): RealtimeEdge {
  if (!deps.realtime) {
    throw new UnavailableError("Realtime is not running on this node");
  }
  return deps.realtime;
}

/** A resume cursor from `Last-Event-ID` or `?lastEventId=` (a 400 when malformed). */
export function resumeCursor(
  c: Context,
  query?: string,
): FeedCursor | null {
  const text = c.req.header(HttpHeaders.lastEventId) ?? query;
  if (text === undefined || text.trim() === "") return null;
  const cursor = parseFeedCursor(text);
  if (!cursor) {
    throw new BadRequestError(
      "Last-Event-ID must be a message id <position>-<index>",
    );
  }
  return cursor;
}

/**
 * The rooms a connection joins, checked against the principal (403), with
 * the employee of each user room's user (an ADMIN's room of another user
 * reads it from the user).
 */
export async function joinRooms(
  deps: EdgeDeps,
  c: Context | null,
  who: AuthPrincipal,
  rooms: readonly Room[],
): Promise<JoinedRoom[]> {
  checkRooms(who, rooms);
  return await Promise.all(rooms.map(async (room) => {
    if (room.kind !== "user") return room;
    if (room.id === who.subject) return { ...room, employeeId: who.employeeId };
    const user = await clientOf(deps).read<UserState>(USER, room.id, {
      principal: who,
      signal: c?.get("signal"),
    });
    return { ...room, employeeId: user.state?.employeeId ?? null };
  }));
}

/** Epoch ms when the request's credentials expire, if known. */
function expiryOf(c: Context): number | undefined {
  const seconds = c.get("credentialsExpireAt");
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The answer of a route that streams server-sent events. */
export const SSE_RESPONSES = {
  200: {
    description: "The stream",
    content: { "text/event-stream": { schema: { type: "string" } } },
  },
};

/** Routes of the realtime edge. */
export function realtimeRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Realtime",
    description:
      "Live messages over server-sent events or WebSocket, in rooms per bedrift, role and user, resumable by message id",
    base: "",
    versioned: true,
  });

  group.route({
    method: "post",
    path: "/stream/tickets",
    operationId: "createStreamTicket",
    summary: "A single-use ticket for a browser's EventSource or WebSocket",
    description:
      "Trade the access token for a ticket valid 30 seconds; pass it as `?ticket=` to `GET /stream` or `GET /ws`. The connection then lives until the token would have expired.",
    responses: {
      201: {
        description: "The ticket",
        body: TicketRep,
        headers: ["Cache-Control"],
      },
    },
    problems: [401, 403, 503],
  }, async (c) => {
    const realtime = realtimeOf(deps);
    const ttlMs = realtime.ticketTtlMs ?? 30_000;
    const ticket = await realtime.tickets.issue({
      principal: principal(c),
      expiresAt: c.get("credentialsExpireAt") ??
        Math.floor(Date.now() / 1000) + 900,
    }, ttlMs);
    c.header("Cache-Control", "no-store");
    return reply(c, TicketRep, {
      ticket,
      expiresIn: Math.floor(ttlMs / 1000),
    }, 201);
  });

  group.route({
    method: "get",
    path: "/stream",
    operationId: "stream",
    summary: "Server-sent events of the caller's rooms",
    description:
      "`text/event-stream`: each message's `id:` is `<position>-<index>` and its `data:` a CloudEvent (JSON). Reconnect with `Last-Event-ID` to get exactly what was missed. A comment every 15 s keeps the connection; a client that falls too far behind, or whose token expires, gets a last `event: error` saying why.",
    request: { query: StreamQuery },
    responses: SSE_RESPONSES,
    problems: [400, 401, 403, 422, 503],
  }, async (c, { query }) => {
    const realtime = realtimeOf(deps);
    const who = principal(c);
    const after = resumeCursor(c, query.lastEventId);
    const rooms = await joinRooms(
      deps,
      c,
      who,
      query.rooms ?? defaultRooms(who),
    );
    const subscription = realtime.hub.subscribe({
      accepts: roomFilter(who, () => rooms),
      after,
      ...realtime.limits,
    });
    return sseResponse(subscription, {
      heartbeatMs: realtime.heartbeatMs,
      expiresAt: expiryOf(c),
    });
  });

  group.route({
    method: "get",
    path: "/ws",
    operationId: "websocket",
    summary: "WebSocket of the caller's rooms",
    description:
      'Upgrade with `?ticket=` (browsers) or `Authorization`. The server sends `{"type":"event","event":<CloudEvent>}` for each message; the client sends `{"type":"join","rooms":[…]}`, `{"type":"leave","rooms":[…]}`, `{"type":"resume","after":"<id>"}` or `{"type":"ping"}`, and gets `joined`, `left`, `resumed`, `pong` or `{"type":"error","status":403|422,…}`. Closed with 1013 when the client falls too far behind, 1008 when its token expires, 1001 when the node stops.',
    request: { query: WsQuery },
    responses: { 101: { description: "Switching to the WebSocket protocol" } },
    problems: [400, 401, 403, 422, 503],
  }, async (c, { query }) => {
    const realtime = realtimeOf(deps);
    if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
      throw new BadRequestError("GET /ws needs a WebSocket upgrade");
    }
    const who = principal(c);
    const rooms = await joinRooms(
      deps,
      c,
      who,
      query.rooms ?? defaultRooms(who),
    );
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {
      idleTimeout: Math.max(
        1,
        Math.round((realtime.heartbeatMs ?? 15_000) / 1000),
      ),
    });
    new WsSession({
      socket,
      who,
      rooms,
      realtime,
      join: (more) => joinRooms(deps, null, who, more),
      expiresAt: expiryOf(c),
    }).start();
    return response;
  });

  return group;
}
