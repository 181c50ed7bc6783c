/**
 * The representation layer: one handler per route produces one value (the v1
 * shape, money as strings with two decimals), and its `Representation` gives
 * the body of each API version and the schema the document shows for it. v2
 * differs from v1 in three ways, derived here and nowhere else:
 *
 * - money is an object `{ "amount": "1250.00", "currency": "NOK" }`, in
 *   answers and in request bodies (every schema node marked with `money()`);
 * - lists are `{ items, nextCursor, total, _links }`;
 * - resources carry `_links` to themselves and related resources.
 */
import { z } from "../deps.ts";
import type { Context } from "../deps.ts";
import type { ApiVersion } from "./versions.ts";
import { isMoneyNode, MoneyObject } from "../schemas/mod.ts";

type Leaf = (value: unknown, path: (string | number)[]) => unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Walks `value` along `schema` and maps every value at a money node with
 * `leaf`; everything else is kept as it is.
 */
export function mapMoney(
  schema: z.ZodType,
  value: unknown,
  leaf: Leaf,
  path: (string | number)[] = [],
): unknown {
  if (isMoneyNode(schema)) return value == null ? value : leaf(value, path);
  if (value === null || value === undefined) return value;
  const def = (schema as unknown as { def: Record<string, unknown> }).def;
  if ("innerType" in def && def.innerType) {
    return mapMoney(def.innerType as z.ZodType, value, leaf, path);
  }
  if (schema instanceof z.ZodPipe) {
    return mapMoney(schema.in as z.ZodType, value, leaf, path);
  }
  if (schema instanceof z.ZodObject && isRecord(value)) {
    const shape = schema.shape as Record<string, z.ZodType>;
    const out: Record<string, unknown> = { ...value };
    for (const key of Object.keys(shape)) {
      if (key in value) {
        out[key] = mapMoney(shape[key], value[key], leaf, [...path, key]);
      }
    }
    return out;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((item, i) =>
      mapMoney(schema.element as z.ZodType, item, leaf, [...path, i])
    );
  }
  if (schema instanceof z.ZodRecord && isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        mapMoney(schema.valueType as z.ZodType, item, leaf, [...path, key]),
      ]),
    );
  }
  return value;
}

/** A v1 amount as a v2 money object. */
function toMoneyObject(value: unknown): unknown {
  return typeof value === "string" ? { amount: value, currency: "NOK" } : value;
}

/**
 * A v2 request body in v1 form: each money object at a money node becomes
 * its amount string (a plain string is accepted as well); a currency other
 * than NOK is a 422 at that field.
 */
export function moneyInput(schema: z.ZodType, body: unknown): unknown {
  const issues: z.core.$ZodIssue[] = [];
  const out = mapMoney(schema, body, (value, path) => {
    if (typeof value === "string") return value;
    const parsed = MoneyObject.safeParse(value);
    if (parsed.success) return parsed.data.amount;
    for (const issue of parsed.error.issues) {
      issues.push({ ...issue, path: [...path, ...issue.path] });
    }
    return value;
  });
  if (issues.length > 0) {
    // Through `parse`, so it is the same (Error) ZodError every 422 is.
    z.any().superRefine((_, ctx) => {
      for (const issue of issues) {
        ctx.addIssue({
          code: "custom",
          path: issue.path as (string | number)[],
          message: issue.message,
        });
      }
    }).parse(body);
  }
  return out;
}

/** `_links`: each a relative URI (or null when there is nothing to link). */
export const Links = z.record(
  z.string(),
  z.object({ href: z.string() }).nullable(),
).describe("Links to this resource and related ones (v2)");

/** How one kind of answer looks in each version. */
export interface Representation<T = unknown> {
  /** Name of its schema in the document's components (per version). */
  readonly name: string;
  /** The schema of its body in `version`. */
  schema(version: ApiVersion): z.ZodType;
  /** The body of `value` in `version`. */
  render(c: Context, version: ApiVersion, value: T): unknown;
}

/** What `_links` a resource has: name → relative URI (null: none). */
export type LinksOf<T> = (
  value: T,
  c: Context,
) => Record<string, string | null>;

function linkObject(links: Record<string, string | null>) {
  return Object.fromEntries(
    Object.entries(links).map(([rel, href]) => [rel, href ? { href } : null]),
  );
}

function withLinks(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject
    ? z.object({ ...schema.shape, _links: Links })
    : schema;
}

/**
 * A resource: v1 is `schema` as it is; v2 has money objects and `_links`.
 *
 * @example
 * ```ts
 * const BedriftRep = resource("Bedrift", BedriftView, (b) => ({ self: `/api/v2/bedrifter/${b.id}` }));
 * ```
 */
export function resource<T>(
  name: string,
  schema: z.ZodType,
  links?: LinksOf<T>,
): Representation<T> {
  const v2 = links ? withLinks(schema) : schema;
  return {
    name,
    schema: (version) => version === 1 ? schema : v2,
    render(c, version, value) {
      if (version === 1) return value;
      const body = mapMoney(schema, value, toMoneyObject);
      return links && isRecord(body)
        ? { ...body, _links: linkObject(links(value, c)) }
        : body;
    },
  };
}

/** A body that looks the same in every version. */
export function plain<T>(name: string, schema: z.ZodType): Representation<T> {
  return { name, schema: () => schema, render: (_c, _v, value) => value };
}

/** A page of a list as handlers produce it (`total` only when counted). */
export interface PageValue<T> {
  items: T[];
  nextCursor: string | null;
  total?: number | null;
}

/** The URI of this request with `cursor` set (or removed). */
function withCursor(c: Context, cursor: string | null): string {
  const url = new URL(c.req.url);
  url.searchParams.delete("cursor");
  if (cursor !== null) url.searchParams.set("cursor", cursor);
  return `${c.req.path}${url.search}`;
}

/**
 * A keyset-paged list of `item`s: v1 `{ items, nextCursor }`, v2 `{ items,
 * nextCursor, total, _links: { self, next } }` (`total` null where the list
 * cannot be counted cheaply).
 */
export function page<T>(
  name: string,
  item: Representation<T>,
): Representation<PageValue<T>> {
  const schemas = new Map<ApiVersion, z.ZodType>();
  const schemaOf = (version: ApiVersion) => {
    let schema = schemas.get(version);
    if (!schema) {
      schema = version === 1
        ? z.object({
          items: z.array(item.schema(1)),
          nextCursor: z.string().nullable().describe(
            "Pass it back as `cursor` for the next page; null on the last",
          ),
        })
        : z.object({
          items: z.array(item.schema(version)),
          nextCursor: z.string().nullable(),
          total: z.number().int().min(0).nullable().describe(
            "How many items match the filter over all pages (null: not counted)",
          ),
          _links: Links,
        });
      schemas.set(version, schema);
    }
    return schema;
  };
  return {
    name,
    schema: schemaOf,
    render(c, version, value) {
      const items = value.items.map((i) => item.render(c, version, i));
      if (version === 1) return { items, nextCursor: value.nextCursor };
      return {
        items,
        nextCursor: value.nextCursor,
        total: value.total ?? null,
        _links: linkObject({
          self: withCursor(c, c.req.query("cursor") ?? null),
          next: value.nextCursor === null
            ? null
            : withCursor(c, value.nextCursor),
        }),
      };
    },
  };
}

/** The version serving this request (set by the version middleware). */
export function versionOf(c: Context): ApiVersion {
  return c.get("apiVersion") ?? 1;
}

/** `/api/v<n>` of the version serving this request. */
export function apiBase(c: Context): string {
  return `/api/v${versionOf(c)}`;
}

/** Answers `value` as `rep` in the request's version. */
export function reply<T>(
  c: Context,
  rep: Representation<T>,
  value: T,
  status: 200 | 201 = 200,
): Response {
  return c.json(rep.render(c, versionOf(c), value) as object, status);
}
