/**
 * The published integration contract: the JSON Schema of every integration
 * event type (`GET /api/v1/schemas/integration/<type>.json`, and the list at
 * `GET /api/v1/schemas/integration`) and the AsyncAPI 3.0 document of the
 * NATS channels (`GET /asyncapi.json`). Public: a contract is for whoever
 * integrates, and it holds no data.
 */
import { NotFoundError } from "../runtime/core/mod.ts";
import {
  asyncApiDocument,
  INTEGRATION_CATALOGUE,
  integrationEventSpec,
  integrationJsonSchema,
  integrationSchemaUrl,
} from "../schemas/integration/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { RouteGroup } from "./route.ts";

/** Where the contract says it lives (`TMS_PUBLIC_URL`, `TMS_CLUSTER_NAME`). */
export interface IntegrationContract {
  publicUrl: string;
  /** `ce-source` of the installation's events. */
  source: string;
}

const DEFAULT_CONTRACT: IntegrationContract = {
  publicUrl: "http://localhost:8000",
  source: "/tms/tms",
};

function json(body: unknown, type = "application/json"): Response {
  return new Response(JSON.stringify(body), {
    headers: {
      "content-type": `${type}; charset=utf-8`,
      "cache-control": "public, max-age=300",
    },
  });
}

/** Routes of the integration contract. */
export function integrationRoutes(deps: EdgeDeps): RouteGroup[] {
  const contract = deps.integration ?? DEFAULT_CONTRACT;
  const schemas = new RouteGroup({
    tag: "Integration",
    description:
      "The integration events' JSON Schemas (the contract of TMS_INTEGRATION; see /asyncapi.json)",
    base: "/schemas/integration",
    versioned: true,
  });
  schemas.route({
    method: "get",
    path: "/",
    operationId: "integrationSchemas",
    summary: "Every integration event type with the URL of its JSON Schema",
    responses: {
      200: {
        description:
          "`{ items: [{ type, aggregate, event, version, summary, schema }] }`",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [],
  }, () =>
    json({
      items: INTEGRATION_CATALOGUE.map((spec) => ({
        type: spec.type,
        aggregate: spec.aggregate,
        event: spec.event,
        version: spec.version,
        summary: spec.summary,
        schema: integrationSchemaUrl(contract.publicUrl, spec.type),
      })),
    }));
  schemas.route({
    method: "get",
    path: "/:file",
    operationId: "integrationSchema",
    summary:
      "The JSON Schema (draft 2020-12) of one integration event type's data: `<ce-type>.json`",
    request: {
      params: { file: "`<ce-type>.json`, e.g. `no.tms.invoice.paid.v1.json`" },
    },
    responses: {
      200: {
        description: "A JSON Schema",
        content: { "application/schema+json": { schema: { type: "object" } } },
      },
    },
    problems: [404],
  }, (c) => {
    const file = c.req.param("file") ?? "";
    const spec = file.endsWith(".json")
      ? integrationEventSpec(file.slice(0, -".json".length))
      : null;
    if (!spec) throw new NotFoundError("No such integration event type");
    return json(
      integrationJsonSchema(spec, contract.publicUrl),
      "application/schema+json",
    );
  });

  const document = new RouteGroup({
    tag: "Integration",
    description: "The AsyncAPI 3.0 document of the integration events",
    base: "",
    versioned: false,
  });
  let text: string | undefined;
  document.route({
    method: "get",
    path: "/asyncapi.json",
    operationId: "asyncApiDocument",
    summary:
      "The AsyncAPI 3.0 document of the integration events: channels, messages, CloudEvents headers, consumer setup",
    responses: {
      200: {
        description: "The document",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
    problems: [],
    access: "public",
  }, () => {
    text ??= JSON.stringify(asyncApiDocument(contract));
    return new Response(text, {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "public, max-age=300",
      },
    });
  });
  return [schemas, document];
}
