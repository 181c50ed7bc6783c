/**
 * Query endpoints answered from the SQL read models: eventually consistent,
 * read-your-writes when the client sends `X-TMS-Min-Position`.
 */
import { Hono, z } from "../deps.ts";
import type { Context } from "../deps.ts";
import { HttpHeaders, UnavailableError } from "../runtime/core/mod.ts";
import type { ProjectionPositions } from "../runtime/projection/mod.ts";
import type { SqlExecutor } from "../runtime/sql/mod.ts";
import { BEDRIFTER_PROJECTION, listBedrifter } from "../actors/bedrift/mod.ts";
import { EMPLOYEES_PROJECTION, listEmployees } from "../actors/employee/mod.ts";
import { INVOICES_PROJECTION, listInvoices } from "../actors/invoice/mod.ts";
import {
  KONTROLLER_PROJECTION,
  listKontroller,
} from "../actors/kontroll/mod.ts";
import {
  BedrifterQuery,
  EmployeesQuery,
  InvoicesQuery,
  KontrollerQuery,
  MinPositionHeader,
} from "../schemas/mod.ts";
import "./context.ts";

/** What the query routes need. */
export interface ReadRoutesOptions {
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

/**
 * `GET /api/v1/bedrifter`, `/invoices`, `/kontroller` and `/employees` →
 * `{ items, nextCursor }` (the write routes own `GET …/:id`).
 * Bad query parameters throw a `ZodError`; a read model that does not reach
 * `X-TMS-Min-Position` in time throws `UnavailableError` (503, Retry-After).
 * Each answer carries `X-TMS-Position`: the feed position the data reflects.
 *
 * @example
 * ```ts
 * app.route("/", readRoutes({ store, positions: engine }));
 * ```
 */
export function readRoutes(options: ReadRoutesOptions): Hono {
  const { store, positions } = options;
  const timeoutMs = options.minPositionTimeoutMs ?? 5000;
  const app = new Hono();

  app.get("/api/v1/bedrifter", async (c) => {
    const query = BedrifterQuery.parse(queryParams(c));
    const signal = requestSignal(c);
    await awaitPosition(c, positions, [BEDRIFTER_PROJECTION], timeoutMs);
    const position = await positions.position(BEDRIFTER_PROJECTION, { signal });
    const page = await listBedrifter(store, query, { signal });
    c.header(HttpHeaders.position, String(position));
    return c.json(page);
  });

  app.get("/api/v1/invoices", async (c) => {
    const query = InvoicesQuery.parse(queryParams(c));
    const signal = requestSignal(c);
    await awaitPosition(c, positions, [INVOICES_PROJECTION], timeoutMs);
    const position = await positions.position(INVOICES_PROJECTION, { signal });
    const page = await listInvoices(store, query, { signal });
    c.header(HttpHeaders.position, String(position));
    return c.json(page);
  });

  app.get("/api/v1/kontroller", async (c) => {
    const query = KontrollerQuery.parse(queryParams(c));
    const signal = requestSignal(c);
    await awaitPosition(c, positions, [KONTROLLER_PROJECTION], timeoutMs);
    const position = await positions.position(KONTROLLER_PROJECTION, {
      signal,
    });
    const page = await listKontroller(store, query, { signal });
    c.header(HttpHeaders.position, String(position));
    return c.json(page);
  });

  app.get("/api/v1/employees", async (c) => {
    const query = EmployeesQuery.parse(queryParams(c));
    const signal = requestSignal(c);
    await awaitPosition(c, positions, [EMPLOYEES_PROJECTION], timeoutMs);
    const position = await positions.position(EMPLOYEES_PROJECTION, { signal });
    const page = await listEmployees(store, query, { signal });
    c.header(HttpHeaders.position, String(position));
    return c.json(page);
  });

  return app;
}

/** Query parameters with empty values dropped (`?status=` means no filter). */
function queryParams(c: Context): Record<string, string> {
  return Object.fromEntries(
    Object.entries(c.req.query()).filter(([, value]) => value !== ""),
  );
}

function requestSignal(c: Context): AbortSignal {
  return (c.get("signal") as AbortSignal | undefined) ?? c.req.raw.signal;
}

const MinPosition = z.object({
  [HttpHeaders.minPosition]: MinPositionHeader,
});

/** Waits, bounded, until `projections` have passed `X-TMS-Min-Position`. */
async function awaitPosition(
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
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    await positions.waitFor(position, {
      projections,
      signal: AbortSignal.any([requestSignal(c), timeout.signal]),
    });
  } catch (error) {
    if (timeout.signal.aborted && !requestSignal(c).aborted) {
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
