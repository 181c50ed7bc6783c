/**
 * Routes declared with their schemas: one `RouteSpec` per route is what
 * validates the request (body 400/422, query 422), what the handler's input
 * is typed from, and what the OpenAPI document (`openapi.ts`) shows — its
 * request, every response with its schema and headers, the problems it can
 * answer with, and (from the policy table) its security and roles. Resource
 * files declare a `RouteGroup`; `mountGroups` registers each route once per
 * API version (`/api/v1/…`, `/api/v2/…`) on the same handler.
 */
import { z } from "../deps.ts";
import type { Context, Hono, MiddlewareHandler } from "../deps.ts";
import { BadRequestError } from "./problem.ts";
import { moneyInput } from "./representation.ts";
import type { Representation } from "./representation.ts";
import { API_VERSIONS } from "./versions.ts";
import type { ApiVersion } from "./versions.ts";

/** Request headers a route may document. */
export type RequestHeader =
  | "Idempotency-Key"
  | "If-Match"
  | "X-TMS-Min-Position";

/** Response headers a route may document. */
export type ResponseHeader =
  | "ETag"
  | "Location"
  | "X-TMS-Position"
  | "Retry-After"
  | "RateLimit"
  | "RateLimit-Policy"
  | "Cache-Control"
  | "Content-Disposition";

/** Problem statuses a route may answer with. */
export type ProblemStatus =
  | 400
  | 401
  | 403
  | 404
  | 406
  | 409
  | 412
  | 413
  | 422
  | 429
  | 503;

/** A JSON request body, or (with `raw`) one the handler reads itself. */
export interface BodySpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** An empty body reads as `{}`. */
  optional?: boolean;
  /** Non-JSON content types, documented only: the handler reads the body. */
  raw?: Record<
    string,
    { description: string; schema?: Record<string, unknown> }
  >;
}

/** One response: its description and body, and the headers it sets. */
export interface ResponseSpec {
  description: string;
  /** A JSON body in the representation of each version. */
  body?: Representation<never> | Representation<unknown>;
  /** Another content type (PDF, image, HTML, text), or one beside `body` (CSV). */
  content?: Record<string, { schema?: Record<string, unknown> }>;
  headers?: ResponseHeader[];
}

/** Who may call a route outside the policy table (`/health`, `/docs`, …). */
export type OpenAccess = "public" | "metrics";

/** The declaration of one route. */
export interface RouteSpec<
  B extends z.ZodType = z.ZodNever,
  Q extends z.ZodType = z.ZodNever,
> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Relative to the group's base, Hono style (`/:id/lines`). */
  path: string;
  /** Unique within the group; the document adds the version (`getInvoiceV2`). */
  operationId: string;
  summary: string;
  description?: string;
  request?: {
    body?: BodySpec<B>;
    query?: Q;
    headers?: RequestHeader[];
    /** Descriptions of path parameters (default: "Id of the resource"). */
    params?: Record<string, string>;
  };
  /** 101: a WebSocket upgrade. */
  responses: Partial<Record<101 | 200 | 201 | 202 | 204, ResponseSpec>>;
  problems: ProblemStatus[];
  /** Only for groups outside `/api/`: who may call it. */
  access?: OpenAccess;
}

/** What a handler gets besides the context: the validated request. */
export interface RouteInput<B extends z.ZodType, Q extends z.ZodType> {
  body: z.output<B>;
  query: z.output<Q>;
  version: ApiVersion;
}

/** A declared route with its handler. */
export interface RouteDef {
  // deno-lint-ignore no-explicit-any
  spec: RouteSpec<any, any>;
  middleware: MiddlewareHandler[];
  handler: (c: Context) => Promise<Response> | Response;
}

/** The routes of one resource: a tag in the document, a base path. */
export class RouteGroup {
  readonly routes: RouteDef[] = [];

  constructor(
    readonly options: {
      /** The document's tag of these routes. */
      tag: string;
      description: string;
      /** `/invoices`: under `/api/v<n>` when `versioned`, else as it is. */
      base: string;
      versioned: boolean;
    },
  ) {}

  /** Declares one route. */
  route<B extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever>(
    spec: RouteSpec<B, Q>,
    handler: (
      c: Context,
      input: RouteInput<B, Q>,
    ) => Promise<Response> | Response,
    middleware: MiddlewareHandler[] = [],
  ): this {
    this.routes.push({
      spec,
      middleware,
      handler: async (c) => {
        const version = (c.get("apiVersion") ?? 1) as ApiVersion;
        const body = spec.request?.body;
        const query = spec.request?.query;
        const input = {
          body: body && !body.raw
            ? await readBody(c, body, version)
            : undefined,
          query: query ? query.parse(queryParams(c)) : undefined,
          version,
        } as RouteInput<B, Q>;
        return await handler(c, input);
      },
    });
    return this;
  }

  /** The full Hono path of a route of this group in `version`. */
  pathOf(spec: { path: string }, version?: ApiVersion): string {
    const base = this.options.versioned
      ? `/api/v${version ?? 1}${this.options.base}`
      : this.options.base;
    return spec.path === "/" ? base || "/" : `${base}${spec.path}`;
  }
}

/** Registers every route of `groups` on `app`, once per version for `/api/` groups. */
export function mountGroups(app: Hono, groups: readonly RouteGroup[]): void {
  for (const group of groups) {
    for (const def of group.routes) {
      const versions = group.options.versioned ? API_VERSIONS : [undefined];
      for (const version of versions) {
        (app.on as (
          method: string,
          path: string,
          ...handlers: MiddlewareHandler[]
        ) => Hono)(
          def.spec.method.toUpperCase(),
          group.pathOf(def.spec, version),
          ...def.middleware,
          def.handler as MiddlewareHandler,
        );
      }
    }
  }
}

/** Query parameters with empty values dropped (`?status=` means no filter). */
export function queryParams(c: Context): Record<string, string> {
  const params = Object.fromEntries(
    Object.entries(c.req.query()).filter(([, value]) => value !== ""),
  );
  refuseUnstorable(params);
  return params;
}

/**
 * Refuses text that holds U+0000 or an unpaired surrogate (`"\ud800"` in
 * JSON) anywhere in `value` — strings and keys, however deep: PostgreSQL
 * stores neither (text refuses NUL, json refuses both), so a filter holding
 * one fails in SQL, and an event carrying one would halt every projection
 * that meets it. A 422 naming each field.
 */
export function refuseUnstorable(value: unknown): void {
  const issues: z.core.$ZodRawIssue[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{
    value,
    path: [],
  }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000") || !value.isWellFormed()) {
        issues.push({
          code: "custom",
          path,
          message:
            "Text may not contain U+0000 (NUL) or unpaired surrogates: it cannot be stored",
          input: value,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) =>
        stack.push({ value: item, path: [...path, i] })
      );
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        stack.push({ value: key, path });
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
  // ZodRealError: the ZodError that is an Error (onError maps it to 422).
  if (issues.length > 0) {
    throw new z.ZodRealError(issues as z.core.$ZodIssue[]);
  }
}

/**
 * Reads and validates a JSON body: malformed JSON is a 400, a bad shape a
 * 422 with field paths; an optional body may be empty (`{}`). In v2 money
 * objects become the amount strings the schema reads.
 */
async function readBody(
  c: Context,
  spec: BodySpec,
  version: ApiVersion,
): Promise<unknown> {
  const text = await c.req.text();
  let body: unknown;
  if (text.trim() === "" && spec.optional) {
    body = {};
  } else {
    try {
      body = JSON.parse(text);
    } catch {
      throw new BadRequestError("The body must be valid JSON");
    }
  }
  refuseUnstorable(body);
  if (version !== 1) body = moneyInput(spec.schema, body);
  return spec.schema.parse(body);
}

/** Request headers of a command: conditional and idempotent. */
export const WRITE_HEADERS: RequestHeader[] = ["Idempotency-Key", "If-Match"];
/** Response headers of a command's answer. */
export const WRITTEN: ResponseHeader[] = ["ETag", "X-TMS-Position"];
/** Response headers of a create's answer. */
export const CREATED: ResponseHeader[] = ["ETag", "X-TMS-Position", "Location"];
/** Problems a command on an existing resource can answer with. */
export const COMMAND_PROBLEMS: ProblemStatus[] = [
  400,
  401,
  403,
  404,
  409,
  412,
  422,
  429,
  503,
];
/** Problems a create can answer with. */
export const CREATE_PROBLEMS: ProblemStatus[] = [
  400,
  401,
  403,
  409,
  422,
  429,
  503,
];
/** Problems a read of one resource can answer with. */
export const READ_PROBLEMS: ProblemStatus[] = [401, 403, 404, 422, 429, 503];
/** Problems a list can answer with. */
export const LIST_PROBLEMS: ProblemStatus[] = [401, 403, 422, 503];
