/**
 * The integration contract: the catalogue of integration events (zod), their
 * published JSON Schemas and the AsyncAPI document of the NATS channels.
 */
export {
  INTEGRATION_CATALOGUE,
  INTEGRATION_EVENTS,
  integrationEventSpec,
} from "./catalogue.ts";
export type {
  IntegrationData,
  IntegrationEventName,
  IntegrationEventSpec,
} from "./catalogue.ts";
export {
  integrationJsonSchema,
  integrationSchemaPath,
  integrationSchemaUrl,
} from "./json_schema.ts";
export { asyncApiDocument } from "./asyncapi.ts";
export type { AsyncApiOptions } from "./asyncapi.ts";
