/**
 * The OpenAPI 3.1 document, generated from the route declarations
 * (`RouteGroup`s) and the policy table, so it cannot drift from the code:
 * each route's request (path, query, headers, body) and responses (bodies
 * per version from the representation layer, headers, the problems it can
 * answer with), `bearerAuth` and the roles of the route (`x-tms-roles`,
 * `x-tms-self`). Schemas come from zod (`z.toJSONSchema`, draft 2020-12 —
 * the dialect of OpenAPI 3.1); v2 shows money nodes as money objects.
 */
import { z } from "../deps.ts";
import { isMoneyNode, MONEY_OBJECT_JSON_SCHEMA } from "../schemas/mod.ts";
import { ROUTE_POLICIES } from "./policy.ts";
import type { RoutePolicy } from "./policy.ts";
import { PROBLEM_CONTENT_TYPE, PROBLEM_DOCS, ProblemTypes } from "./problem.ts";
import type { ProblemStatus, RouteGroup, RouteSpec } from "./route.ts";
import {
  API_VERSIONS,
  LATEST_VERSION,
  VERSION_LIFECYCLE,
  versionMediaType,
} from "./versions.ts";
import type { ApiVersion } from "./versions.ts";

type Json = Record<string, unknown>;

/** JSON Schema of a zod schema as the document shows it in `version`. */
export function jsonSchemaOf(
  schema: z.ZodType,
  version: ApiVersion,
  io: "input" | "output",
): Json {
  const json = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    override: (ctx) => {
      if (version !== 1 && isMoneyNode(ctx.zodSchema)) {
        for (const key of Object.keys(ctx.jsonSchema)) {
          delete (ctx.jsonSchema as Json)[key];
        }
        Object.assign(
          ctx.jsonSchema,
          structuredClone(MONEY_OBJECT_JSON_SCHEMA),
        );
      }
    },
  }) as Json;
  delete json.$schema;
  return json;
}

const HEADER_DOCS: Record<string, { description: string; schema: Json }> = {
  "Idempotency-Key": {
    description:
      "Makes a retry return the first response and write nothing (1–200 visible ASCII characters; scoped by route)",
    schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,200}$" },
  },
  "If-Match": {
    description:
      'The version the resource must be at (its ETag, e.g. "3"); otherwise 412',
    schema: { type: "string", pattern: '^\\s*(W/)?"?\\d+"?\\s*$' },
  },
  "X-TMS-Min-Position": {
    description:
      "Wait (bounded) until the read models have passed this feed position: the X-TMS-Position of an earlier write",
    schema: { type: "string", pattern: "^\\d{1,15}$" },
  },
};

const RESPONSE_HEADER_DOCS: Record<
  string,
  { description: string; schema: Json }
> = {
  ETag: {
    description: 'The version of the resource, e.g. "3"',
    schema: { type: "string" },
  },
  Location: {
    description: "Where the created resource is",
    schema: { type: "string" },
  },
  "X-TMS-Position": {
    description:
      "The feed position of the commit (writes) or that the data reflects (queries)",
    schema: { type: "string", pattern: "^\\d+$" },
  },
  "Retry-After": {
    description: "Seconds to wait before retrying",
    schema: { type: "string", pattern: "^\\d+$" },
  },
  RateLimit: {
    description:
      'What is left of each rate-limit policy applied (draft-ietf-httpapi-ratelimit-headers): `"user";r=<remaining>;t=<seconds until full>`, per node',
    schema: { type: "string" },
  },
  "RateLimit-Policy": {
    description:
      'The rate-limit policies applied: `"address";q=<requests>;w=<window seconds>, "user";q=…;w=…`, per node',
    schema: { type: "string" },
  },
  "Cache-Control": {
    description: "Caching of the answer",
    schema: { type: "string" },
  },
  "Content-Disposition": {
    description: "The file name of the document",
    schema: { type: "string" },
  },
  "X-API-Version": {
    description: "The API version that served the answer",
    schema: { type: "string", pattern: "^\\d+$" },
  },
  Deprecation: {
    description:
      "RFC 9745: when this version was deprecated (`@<epoch seconds>`)",
    schema: { type: "string" },
  },
  Sunset: {
    description: "RFC 8594: when this version stops being served (HTTP-date)",
    schema: { type: "string" },
  },
  Link: {
    description:
      'The successor version of this resource (`rel="successor-version"`) and the deprecation notes',
    schema: { type: "string" },
  },
};

const PROBLEM_RESPONSES: Record<
  ProblemStatus,
  { description: string; headers?: string[] }
> = {
  400: { description: "Malformed JSON or header" },
  401: { description: "No or a bad bearer token (WWW-Authenticate: Bearer)" },
  403: { description: "The token's role may not call this route" },
  404: { description: "No such resource (or another bedrift's)" },
  406: { description: "An API version this node does not serve" },
  409: {
    description:
      "A rule of the current state refuses it (`code` names the rule), or a concurrent change",
  },
  412: { description: "The resource is not at the If-Match version" },
  413: { description: "The body is too large" },
  422: {
    description:
      "Validation failed (`errors`: field paths and messages), or a rule the request can never satisfy",
  },
  429: {
    description:
      "Too many requests (a full mailbox, a rate limit, a locked account)",
    headers: ["Retry-After", "RateLimit", "RateLimit-Policy"],
  },
  503: {
    description:
      "Unavailable for now (log, NATS, read models, the shard's owner, a deadline)",
    headers: ["Retry-After"],
  },
};

/** The Problem component (RFC 9457). */
const PROBLEM_SCHEMA: Json = {
  type: "object",
  description:
    "An RFC 9457 problem document; `type` is a URI under /problems/ that answers with its description",
  properties: {
    type: { type: "string", description: "A URI under /problems/" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    requestId: { type: "string" },
    code: {
      type: "string",
      description: "A stable code, e.g. invoice.overpayment",
    },
    errors: {
      type: "array",
      description: "Validation errors, by field path",
      items: {
        type: "object",
        properties: {
          path: { type: "string" },
          message: { type: "string" },
        },
        required: ["path", "message"],
      },
    },
  },
  required: ["type", "title", "status"],
};

function oasPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function policyOf(group: RouteGroup, spec: RouteSpec<z.ZodType, z.ZodType>):
  | RoutePolicy
  | null {
  if (!group.options.versioned) return null;
  const key = `${spec.method.toUpperCase()} ${
    group.pathOf(spec).replace(/^\/api\/v\d+/, "")
  }`;
  return ROUTE_POLICIES[key] ?? null;
}

function bodyContent(
  rep: { schema(version: ApiVersion): z.ZodType; name: string },
  version: ApiVersion,
  components: Json,
  versioned: boolean,
): Json {
  const name = versioned ? `${rep.name}V${version}` : rep.name;
  if (!(name in components)) {
    components[name] = jsonSchemaOf(rep.schema(version), version, "output");
  }
  const schema = { $ref: `#/components/schemas/${name}` };
  const content: Json = { "application/json": { schema } };
  if (versioned) content[versionMediaType(version)] = { schema };
  return content;
}

function headersOf(names: readonly string[]): Json {
  return Object.fromEntries(
    names.map((name) => [name, { $ref: `#/components/headers/${name}` }]),
  );
}

/** One operation of the document. */
function operation(
  group: RouteGroup,
  spec: RouteSpec<z.ZodType, z.ZodType>,
  version: ApiVersion,
  schemas: Json,
): Json {
  const versioned = group.options.versioned;
  const policy = policyOf(group, spec);
  const parameters: Json[] = [];
  const path = group.pathOf(spec, version);
  for (const [, name] of path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    parameters.push({
      name,
      in: "path",
      required: true,
      description: spec.request?.params?.[name] ?? "Id of the resource",
      schema: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,100}$" },
    });
  }
  const query = spec.request?.query;
  if (query) {
    const json = jsonSchemaOf(query, version, "input");
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (
      const [name, schema] of Object.entries(
        (json.properties ?? {}) as Record<string, Json>,
      )
    ) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: "query",
        required: required.has(name) && !("default" in rest),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  for (const header of spec.request?.headers ?? []) {
    parameters.push({ $ref: `#/components/parameters/${header}` });
  }
  if (versioned) {
    parameters.push({ $ref: "#/components/parameters/X-API-Version" });
  }
  const body = spec.request?.body;
  let requestBody: Json | undefined;
  if (body) {
    const content: Json = {};
    if (body.raw) {
      for (const [type, raw] of Object.entries(body.raw)) {
        content[type] = { schema: raw.schema ?? {} };
      }
    } else {
      content["application/json"] = {
        schema: jsonSchemaOf(body.schema, version, "input"),
      };
    }
    requestBody = { required: !body.optional, content };
  }
  const responses: Json = {};
  // Every /api/ answer names its version and the rate limits applied to it.
  const always = versioned
    ? [
      "X-API-Version",
      "RateLimit",
      "RateLimit-Policy",
      ...(VERSION_LIFECYCLE[version] ? ["Deprecation", "Sunset", "Link"] : []),
    ]
    : [];
  for (const [status, response] of Object.entries(spec.responses)) {
    if (!response) continue;
    // A JSON body and other content types (a report also as CSV) side by side.
    const content = response.body || response.content
      ? {
        ...(response.body
          ? bodyContent(response.body, version, schemas, versioned)
          : {}),
        ...Object.fromEntries(
          Object.entries(response.content ?? {}).map((
            [type, c],
          ) => [type, { schema: c.schema ?? {} }]),
        ),
      }
      : undefined;
    responses[status] = {
      description: response.description,
      headers: headersOf([...(response.headers ?? []), ...always]),
      ...(content ? { content } : {}),
    };
  }
  // Any /api/ request may meet a rate limit.
  const problems = versioned && !spec.problems.includes(429)
    ? [...spec.problems, 429 as const].sort((a, b) => a - b)
    : spec.problems;
  for (const status of problems) {
    responses[String(status)] = {
      $ref: `#/components/responses/Problem${status}`,
    };
  }
  const roles = policy
    ? policy.roles
    : spec.access === "metrics"
    ? ["ADMIN"]
    : "public";
  const open = roles === "public";
  const lifecycle = versioned ? VERSION_LIFECYCLE[version] : undefined;
  const roleText = open
    ? "No token needed."
    : `Roles: ${(roles as readonly string[]).join(", ")}${
      policy?.self
        ? `; ${
          policy.self.roles.join(", ")
        } on their own record only (\`${policy.self.param}\` = their ${policy.self.claim} id)`
        : ""
    }${
      spec.access === "metrics" ? "; or the scrape token TMS_METRICS_TOKEN" : ""
    }.`;
  return {
    operationId: versioned
      ? `${spec.operationId}V${version}`
      : spec.operationId,
    summary: spec.summary,
    description: [spec.description, roleText].filter(Boolean).join("\n\n"),
    tags: [group.options.tag],
    ...(lifecycle ? { deprecated: true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: open ? [] : [{ bearerAuth: [] }],
    "x-tms-roles": open ? [] : roles,
    ...(policy?.self ? { "x-tms-self": policy.self } : {}),
  };
}

/** Every problem type URI the edge answers with, and what it means. */
export interface ProblemTypeDoc {
  type: string;
  status: number | string;
  title: string;
  description: string;
}

/**
 * The OpenAPI 3.1 document of `groups` for `versions` (default: all, one
 * document with both; `/openapi/v<n>.json` has one each).
 */
export function openApiDocument(
  groups: readonly RouteGroup[],
  options: {
    versions?: readonly ApiVersion[];
    problemTypes: readonly ProblemTypeDoc[];
    defaultVersion: ApiVersion;
  },
): Json {
  const versions = options.versions ?? API_VERSIONS;
  const paths: Record<string, Json> = {};
  const schemas: Json = { Problem: PROBLEM_SCHEMA };
  const tags = new Map<string, string>();
  for (const group of groups) {
    if (group.routes.length === 0) continue;
    tags.set(group.options.tag, group.options.description);
    for (const def of group.routes) {
      const list = group.options.versioned
        ? versions
        : [versions[versions.length - 1]];
      for (const version of list) {
        const path = oasPath(group.pathOf(def.spec, version));
        paths[path] ??= {};
        paths[path][def.spec.method] = operation(
          group,
          def.spec,
          version,
          schemas,
        );
      }
    }
  }
  const problemResponses = Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([status, doc]) => [
      `Problem${status}`,
      {
        description: doc.description,
        headers: headersOf(doc.headers ?? []),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: "#/components/schemas/Problem" },
          },
        },
      },
    ]),
  );
  const lifecycle = Object.entries(VERSION_LIFECYCLE).map(([v, l]) =>
    `v${v} is deprecated since ${
      l!.deprecated.toISOString().slice(0, 10)
    } and sunsets on ${l!.sunset.toISOString().slice(0, 10)} (successor: v${
      l!.successor
    }).`
  ).join(" ");
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "TMS API",
      version: `${LATEST_VERSION}.0.0`,
      summary: "The management platform of Norwegian driving schools",
      description: `Versions ${
        versions.map((v) => `v${v}`).join(", ")
      }: \`/api/v<n>/…\`; an unversioned \`/api/…\` selects the version from \`X-API-Version\` (\`2\` or \`2.1.0\`), else \`Accept: application/vnd.tms.v<n>+json\`, else the node's default (TMS_API_DEFAULT_VERSION, here v${options.defaultVersion}). Every answer names its version in \`X-API-Version\`. ${lifecycle}\n\nv2 differs from v1: money is \`{ "amount": "1250.00", "currency": "NOK" }\` (answers and request bodies), lists are \`{ items, nextCursor, total, _links }\`, and resources carry \`_links\`.\n\nErrors are RFC 9457 problem documents; each \`type\` is a URI under /problems/ (listed in \`x-tms-problem-types\`).`,
    },
    servers: [{ url: "/" }],
    tags: [...tags].map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "An access token from POST /api/v2/auth/login (EdDSA, 15 minutes); keys at /.well-known/jwks.json",
        },
      },
      parameters: {
        ...Object.fromEntries(
          Object.entries(HEADER_DOCS).map(([name, doc]) => [name, {
            name,
            in: "header",
            required: false,
            description: doc.description,
            schema: doc.schema,
          }]),
        ),
        "X-API-Version": {
          name: "X-API-Version",
          in: "header",
          required: false,
          description:
            "On an unversioned /api/ path: the major version to serve (2, or 2.1.0); the path wins on /api/v<n>/",
          schema: { type: "string" },
        },
      },
      headers: Object.fromEntries(
        Object.entries(RESPONSE_HEADER_DOCS).map(([name, doc]) => [name, doc]),
      ),
      responses: problemResponses,
    },
    "x-tms-problem-types": options.problemTypes,
    "x-tms-generic-problems": Object.fromEntries(
      Object.entries(ProblemTypes).map((
        [key, type],
      ) => [type, PROBLEM_DOCS[key as keyof typeof ProblemTypes].title]),
    ),
  };
}
