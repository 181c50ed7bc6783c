/**
 * The list routes' common part: answered from the SQL read models,
 * eventually consistent, read-your-writes with `X-TMS-Min-Position`.
 */
import { z } from "../deps.ts";
import type { Context, MiddlewareHandler } from "../deps.ts";
import { HttpHeaders, UnavailableError } from "../runtime/core/mod.ts";
import type { ProjectionPositions } from "../runtime/projection/mod.ts";
import type { Page, SqlExecutor } from "../runtime/sql/mod.ts";
import { MinPositionHeader } from "../schemas/mod.ts";
import "./context.ts";
import { reply, versionOf } from "./representation.ts";
import { auditPersonalRead } from "./access_log.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import type { PageValue, Representation } from "./representation.ts";
import { LIST_PROBLEMS } from "./route.ts";
import type { RouteGroup } from "./route.ts";

/** The read side as the edge sees it. */
export interface ReadSide {
  /** The read-model store (a `SqlStore`). */
  store: SqlExecutor;
  /**
   * How far the read models are: the node's `ProjectionEngine`, or a
   * `ProjectionFollower` where another process projects into a shared store.
   */
  positions: ProjectionPositions;
  /** Longest wait for `X-TMS-Min-Position` before a 503 (default 5000 ms). */
  minPositionTimeoutMs?: number;
}

/** One list query: its read model, its query schema and its query function. */
export interface ListQuery<Q extends z.ZodType, T> {
  projection: string;
  query: Q;
  /**
   * The filter narrowed to a tenant's own rows (default: `bedriftId` set to
   * the tenant, whatever the client asked for).
   */
  scope?: (filter: z.output<Q>, tenant: string) => z.output<Q>;
  /**
   * The data subjects a page shows the personal data of: a platform ADMIN's
   * read of them is audit-logged (through `client`) before the answer.
   */
  audit?: {
    client: ActorClient;
    subjects: (items: readonly T[]) => (string | null)[];
  };
  /** With `total`, the page also counts every row the filter matches. */
  list: (
    db: SqlExecutor,
    filter: z.output<Q>,
    options: { signal?: AbortSignal; total?: boolean },
  ) => Promise<Page<T> & { total?: number }>;
}

/**
 * Declares a list route on `group` (`GET <path>` → a page of `rep`) answered
 * by `listHandler`; v2 pages carry `total`.
 */
export function listRoute<Q extends z.ZodType, T>(
  group: RouteGroup,
  readSide: ReadSide | undefined,
  spec: ListQuery<Q, T> & {
    path?: string;
    operationId: string;
    summary: string;
    description?: string;
    rep: Representation<PageValue<T>>;
    /** Run before the handler (after access control). */
    middleware?: MiddlewareHandler[];
  },
): void {
  group.route(
    {
      method: "get",
      path: spec.path ?? "/",
      operationId: spec.operationId,
      summary: spec.summary,
      description: (spec.description ? spec.description + " " : "") +
        "Answered from the read models: eventually consistent; send the `X-TMS-Position` of a write as `X-TMS-Min-Position` to read your writes. A bedrift's users see their own bedrift's rows only.",
      request: { query: spec.query, headers: ["X-TMS-Min-Position"] },
      responses: {
        200: {
          description: "A page, in the list's order",
          body: spec.rep,
          headers: ["X-TMS-Position"],
        },
      },
      problems: LIST_PROBLEMS,
    },
    listHandler(readSide, spec),
    spec.middleware,
  );
}

/**
 * The handler of a list route (`GET /api/v1/<resource>` → `{ items,
 * nextCursor }`) answered from the read models: eventually consistent,
 * read-your-writes when the client sends `X-TMS-Min-Position`. Bad query
 * parameters throw a `ZodError` (422); a read model that does not reach
 * `X-TMS-Min-Position` in time throws `UnavailableError` (503, Retry-After);
 * a node without a read side answers 503. A principal of a bedrift sees only
 * that bedrift's rows. Each answer carries
 * `X-TMS-Position`: the feed position the data reflects.
 *
 * @example
 * ```ts
 * listRoute(group, deps.readSide, { operationId: "listBedrifter", summary: "…", rep: BedriftPage, projection: BEDRIFTER_PROJECTION, query: BedrifterQuery, list: listBedrifter });
 * ```
 */
export function listHandler<Q extends z.ZodType, T>(
  readSide: ReadSide | undefined,
  spec: ListQuery<Q, T> & { rep?: Representation<PageValue<T>> },
): (
  c: Context,
  input: { query: unknown },
) => Promise<Response> {
  return async (c, input) => {
    const parsed = input.query as z.output<Q>;
    const tenant = c.get("principal")?.tenant ?? null;
    const filter = tenant === null
      ? parsed
      : spec.scope
      ? spec.scope(parsed, tenant)
      : { ...(parsed as object), bedriftId: tenant } as z.output<Q>;
    const page = await fromReadModel(
      c,
      readSide,
      spec.projection,
      (db, signal) =>
        spec.list(db, filter, { signal, total: versionOf(c) !== 1 }),
    );
    if (spec.audit) {
      await auditPersonalRead(
        c,
        spec.audit.client,
        spec.audit.subjects(page.items),
      );
    }
    return spec.rep ? reply(c, spec.rep, page) : c.json(page);
  };
}

/**
 * Reads from the read models on behalf of a request: waits (bounded) until
 * `projection` has passed `X-TMS-Min-Position`, runs `read`, and sets
 * `X-TMS-Position` to the feed position its data reflects. A node without
 * a read side answers 503.
 */
export async function fromReadModel<T>(
  c: Context,
  readSide: ReadSide | undefined,
  projection: string,
  read: (db: SqlExecutor, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (!readSide) {
    throw new UnavailableError("This node has no read models", {
      retryAfter: 5,
    });
  }
  const signal = requestSignal(c);
  await awaitPosition(
    c,
    readSide.positions,
    [projection],
    readSide.minPositionTimeoutMs ?? 5000,
  );
  const position = await readSide.positions.position(projection, { signal });
  const value = await read(readSide.store, signal);
  c.header(HttpHeaders.position, String(position));
  return value;
}

/** The request's signal: its deadline, or the client's disconnect. */
export function requestSignal(c: Context): AbortSignal {
  return (c.get("signal") as AbortSignal | undefined) ?? c.req.raw.signal;
}

const MinPosition = z.object({
  [HttpHeaders.minPosition]: MinPositionHeader,
});

/** Waits, bounded, until `projections` have passed `X-TMS-Min-Position`. */
export async function awaitPosition(
  c: Context,
  positions: ProjectionPositions,
  projections: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const header = c.req.header(HttpHeaders.minPosition);
  if (header === undefined) return;
  const position = MinPosition.parse({
    [HttpHeaders.minPosition]: header,
  })[HttpHeaders.minPosition];
  await waitForPosition(
    positions,
    position,
    projections,
    timeoutMs,
    requestSignal(c),
  );
}

/**
 * Waits until `projections` reflect every commit up to `position`; after
 * `timeoutMs` throws `UnavailableError` (503, Retry-After).
 */
export async function waitForPosition(
  positions: ProjectionPositions,
  position: number,
  projections: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    await positions.waitFor(position, {
      projections,
      signal: AbortSignal.any([signal, timeout.signal]),
    });
  } catch (error) {
    if (timeout.signal.aborted && !signal.aborted) {
      throw new UnavailableError(
        `The read model has not reached position ${position} within ${timeoutMs} ms; retry`,
        { retryAfter: 1 },
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
