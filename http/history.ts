/**
 * Time travel and the commit history of every aggregate: `GET
 * /<resource>/:id?asOf=<version | ISO-8601 instant>` answers the state as it
 * was, replayed from the log (with the version, position and commit time it
 * stands at), and `GET /<resource>/:id/history` lists its commits, personal
 * data masked for anyone but a platform ADMIN.
 */
import { z } from "../deps.ts";
import type { Context } from "../deps.ts";
import { HttpHeaders, NotFoundError } from "../runtime/core/mod.ts";
import type { ActorClient, ActorSystem, AsOf } from "../runtime/actor/mod.ts";
import { decodeCursor, encodeCursor } from "../runtime/sql/mod.ts";
import { maskEvent } from "../actors/mod.ts";
import type { MaskLevel } from "../actors/mod.ts";
import { UserRole } from "../actors/user/mod.ts";
import { parseInstant } from "../actors/validators/mod.ts";
import { CommitView } from "../schemas/mod.ts";
import { page, reply } from "./representation.ts";
import type { Representation } from "./representation.ts";
import { READ_PROBLEMS } from "./route.ts";
import type { RouteGroup } from "./route.ts";
import { readOptions, requireId } from "./write.ts";
import { auditPersonalRead, subjectsShown } from "./access_log.ts";

/** `?asOf=`: a version (`3`) or an ISO-8601 instant with offset. */
export const AsOfQuery = z.strictObject({
  asOf: z.string().trim().max(64).refine(
    (v) => /^\d{1,10}$/.test(v) ? Number(v) >= 1 : parseInstant(v) !== null,
    "Must be a version (1, 2, …) or an ISO-8601 instant with offset, e.g. 2025-03-03T07:00:00Z",
  ).optional().describe(
    "Time travel: the state at this version, or as of this instant (the last commit at or before it)",
  ),
});

/** The moment `?asOf=` names, or undefined for now. */
export function asOfOf(value: string | undefined): AsOf | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value)
    ? { version: Number(value) }
    : { timestamp: parseInstant(value)! };
}

/** What a time-travel read adds to the body: where the state stands. */
export const AsOfView = z.object({
  version: z.number().int(),
  position: z.number().int(),
  committedAt: z.string().describe("When the log accepted that commit"),
}).describe("Present when `asOf` was given: the commit the state stands at");

/** A read of one aggregate now (through its actor) or at `asOf` (from the log). */
export interface ResourceRead<S> {
  version: number;
  position: number;
  state: S;
  asOf?: z.output<typeof AsOfView>;
}

/**
 * Reads `type/id` now, or as of `asOf`; throws `NotFoundError` (`No such
 * <what>`) when it does not exist (then), or `exists` says so.
 */
export async function readResource<S>(
  c: Context,
  deps: { system: ActorSystem; client?: { read: ActorSystem["read"] } },
  type: string,
  id: string,
  asOf: string | undefined,
  what: string,
  exists: (version: number, state: S) => boolean = (version) => version > 0,
): Promise<ResourceRead<S>> {
  const moment = asOfOf(asOf);
  if (moment === undefined) {
    const result = await (deps.client ?? deps.system).read<S>(
      type,
      id,
      readOptions(c),
    );
    if (!exists(result.version, result.state)) {
      throw new NotFoundError(`No such ${what}`);
    }
    return result;
  }
  const then = await deps.system.readAt<S>(type, id, moment, readOptions(c));
  if (then === null || !exists(then.version, then.state)) {
    throw new NotFoundError(
      `No such ${what} at ${
        "version" in moment ? "version " + moment.version : asOf
      }`,
    );
  }
  c.header("Last-Modified", new Date(then.timestamp).toUTCString());
  return {
    version: then.version,
    position: then.position,
    state: then.state,
    asOf: {
      version: then.version,
      position: then.position,
      committedAt: new Date(then.timestamp).toISOString(),
    },
  };
}

/** Whether the caller sees personal data in events. */
export function maskLevel(c: Context): MaskLevel {
  return c.get("principal")?.role === UserRole.ADMIN ? "admin" : "masked";
}

const CommitRep = {
  name: "Commit",
  schema: () => CommitView,
  render: (_c, _v, value) => value,
} satisfies Representation<unknown>;

/** The commits of an aggregate, keyset-paged by version. */
export const CommitPage = page("CommitPage", CommitRep);

const HistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).refine(
    (v) => decodeCursor(v, ["number"]) !== null,
    "Not a cursor this list gave out; start again without one",
  ).optional(),
});

/**
 * Declares `GET /:id/history` on `group`: the commits of the aggregate
 * `type`, oldest first, from the log.
 */
export function historyRoute(
  group: RouteGroup,
  deps: { system: ActorSystem; client?: ActorClient },
  options: { type: string; what: string; operationId: string },
): void {
  group.route({
    method: "get",
    path: "/:id/history",
    operationId: options.operationId,
    summary: `The commits of a ${options.what}, oldest first`,
    description:
      "Read from the event log (upcast to the current event versions). Personal data is masked for anyone but a platform ADMIN, whose read of it is audit-logged; secrets and ciphertexts for everyone.",
    request: { query: HistoryQuery },
    responses: {
      200: {
        description: "A page of commits",
        body: CommitPage,
        headers: ["X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const id = requireId(c, options.what);
    const after = query.cursor
      ? (decodeCursor(query.cursor, ["number"])![0] as number)
      : 0;
    const found = await deps.system.history(options.type, id, {
      ...readOptions(c),
      afterVersion: after,
      limit: query.limit + 1,
    });
    if (found === null) throw new NotFoundError(`No such ${options.what}`);
    const level = maskLevel(c);
    const commits = found.commits.slice(0, query.limit);
    const items = commits.map((commit) => {
      const events = commit.events.map((e) => maskEvent(e, level));
      return {
        version: commit.version,
        position: commit.position,
        at: new Date(commit.timestamp).toISOString(),
        commandId: level === "admin" ? commit.commandId : "[redacted]",
        correlationId: commit.meta?.correlationId ?? null,
        events: events.map(({ type, v, data }) => ({ type, v, data })),
        masked: events.some((e) => e.masked),
      };
    });
    if (level === "admin") {
      await auditPersonalRead(
        c,
        deps.client ?? deps.system,
        subjectsShown(commits),
      );
    }
    const last = commits[commits.length - 1];
    c.header(HttpHeaders.position, String(last?.position ?? 0));
    return reply(c, CommitPage, {
      items,
      nextCursor: found.commits.length > query.limit && last
        ? encodeCursor([last.version])
        : null,
      total: found.version,
    });
  });
}

/**
 * Declares `GET /:id` (now, or `?asOf=` a version or instant) and `GET
 * /:id/history` of the aggregate `type` on `group`: the state through
 * `view`, answered as `rep` with its `ETag` and `X-TMS-Position`.
 */
export function readRoutes<S, V extends object>(
  group: RouteGroup,
  deps: { system: ActorSystem; client?: ActorClient },
  spec: {
    type: string;
    /** What it is called in messages (`expense`). */
    what: string;
    /** The operations' name (`Expense`: `getExpense`, `getExpenseHistory`). */
    name: string;
    rep: Representation<V & { asOf?: z.output<typeof AsOfView> }>;
    view: (id: string, version: number, state: S) => V;
    /** Whether it exists at a version (default: it has a commit). */
    exists?: (version: number, state: S) => boolean;
  },
): void {
  group.route({
    method: "get",
    path: "/:id",
    operationId: `get${spec.name}`,
    summary: `Read ${
      /^[aeiou]/.test(spec.what) ? "an" : "a"
    } ${spec.what}, now or as of a version or instant`,
    request: { query: AsOfQuery },
    responses: {
      200: {
        description: `The ${spec.what}`,
        body: spec.rep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const id = requireId(c, spec.what);
    const result = await readResource<S>(
      c,
      deps,
      spec.type,
      id,
      query.asOf,
      spec.what,
      spec.exists,
    );
    c.header(HttpHeaders.etag, `"${result.version}"`);
    c.header(HttpHeaders.position, String(result.position));
    return reply(c, spec.rep, {
      ...spec.view(id, result.version, result.state),
      ...(result.asOf ? { asOf: result.asOf } : {}),
    });
  });
  historyRoute(group, deps, {
    type: spec.type,
    what: spec.what,
    operationId: `get${spec.name}History`,
  });
}
