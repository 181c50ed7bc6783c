import type { Context } from "../deps.ts";
import type { z } from "../deps.ts";
import type {
  AskOptions,
  AskResult,
  ReadOptions,
} from "../runtime/actor/mod.ts";
import { derivedId, HttpHeaders, NotFoundError } from "../runtime/core/mod.ts";
import { BadRequestError } from "./problem.ts";

/** Reads and validates a JSON body; malformed JSON is a 400, a bad shape a 422. */
export async function parseBody<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<z.output<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new BadRequestError("The body must be valid JSON");
  }
  return schema.parse(body);
}

/**
 * Like `parseBody`, but an empty body counts as `{}`: for command routes whose
 * body is optional (`POST /invoices/:id/send`).
 */
export async function parseOptionalBody<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<z.output<T>> {
  const text = await c.req.text();
  if (text.trim() === "") return schema.parse({});
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequestError("The body must be valid JSON");
  }
  return schema.parse(body);
}

/** Parses `If-Match` (`"3"`, `W/"3"` or `3`) into an expected version. */
export function expectedVersion(c: Context): number | undefined {
  const header = c.req.header(HttpHeaders.ifMatch);
  if (header === undefined || header.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) throw new BadRequestError('If-Match must be an ETag such as "3"');
  return Number(match[1]);
}

/** The `Idempotency-Key`, if any, checked for shape. */
export function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header(HttpHeaders.idempotencyKey);
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new BadRequestError(
      "Idempotency-Key must be 1-200 visible ASCII characters",
    );
  }
  return key;
}

/**
 * Ask options of a write: the command id is the Idempotency-Key scoped by
 * route (the same key on another route is another command), else random.
 */
export function askOptions(c: Context, route: string): AskOptions {
  const key = idempotencyKey(c);
  return {
    commandId: key ? `${route}:${key}` : crypto.randomUUID(),
    expectedVersion: expectedVersion(c),
    signal: c.get("signal"),
    principal: c.get("principal"),
    meta: {
      correlationId: c.get("requestId"),
      traceparent: c.req.header("traceparent"),
    },
  };
}

/** Options of a read on behalf of the caller: its deadline and principal. */
export function readOptions(c: Context): ReadOptions {
  return { signal: c.get("signal"), principal: c.get("principal") };
}

/**
 * A stable id for a resource created under an Idempotency-Key (so a retry of
 * the create lands on the same actor), else a random UUID.
 */
export async function newId(c: Context, scope: string): Promise<string> {
  const key = idempotencyKey(c);
  if (!key) return crypto.randomUUID();
  return await derivedId(scope, key);
}

/** Sets `ETag` and `X-TMS-Position` of a write's result. */
export function writeHeaders(
  c: Context,
  result: Pick<AskResult, "version" | "position">,
) {
  c.header(HttpHeaders.etag, `"${result.version}"`);
  c.header(HttpHeaders.position, String(result.position));
}

/** `:id` path parameters: subject- and key-safe. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** Reads a path id, 404 when it cannot name any resource. */
export function pathId(c: Context, name = "id"): string | null {
  const id = c.req.param(name);
  return id && ID_PATTERN.test(id) ? id : null;
}

/** Reads a path id, or throws `NotFoundError` ("No such <what>"). */
export function requireId(c: Context, what: string, name = "id"): string {
  const id = pathId(c, name);
  if (!id) throw new NotFoundError(`No such ${what}`);
  return id;
}

/** Current time as an ISO string: the edge is where time enters commands. */
export function now(): string {
  return new Date().toISOString();
}
