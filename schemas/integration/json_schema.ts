/**
 * The published JSON Schemas of the integration events (draft 2020-12, from
 * the catalogue's zod schemas): served at
 * `GET /api/v1/schemas/integration/<type>.json` and named by every message's
 * `ce-dataschema`.
 */
import { z } from "../../deps.ts";
import type { IntegrationEventSpec } from "./catalogue.ts";

/** The path of an event type's JSON Schema on a node. */
export function integrationSchemaPath(type: string): string {
  return `/api/v1/schemas/integration/${type}.json`;
}

/** The absolute URL of an event type's JSON Schema (`ce-dataschema`). */
export function integrationSchemaUrl(publicUrl: string, type: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${integrationSchemaPath(type)}`;
}

/**
 * The JSON Schema of one event type's data, with `$id` its URL under
 * `publicUrl`.
 *
 * @example
 * ```ts
 * integrationJsonSchema(INTEGRATION_EVENTS.invoicePaid, "https://tms.example.no").$id;
 * // "https://tms.example.no/api/v1/schemas/integration/no.tms.invoice.paid.v1.json"
 * ```
 */
export function integrationJsonSchema(
  spec: IntegrationEventSpec,
  publicUrl: string,
): Record<string, unknown> {
  const json = z.toJSONSchema(spec.schema, {
    target: "draft-2020-12",
    io: "output",
  }) as Record<string, unknown>;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: integrationSchemaUrl(publicUrl, spec.type),
    title: spec.type,
    description: spec.summary,
    ...Object.fromEntries(
      Object.entries(json).filter(([key]) => key !== "$schema"),
    ),
  };
}
