/**
 * The AsyncAPI 3.0 document of the integration contract (`GET
 * /asyncapi.json`): one channel per event type on the NATS subject
 * `tms.int.{bedriftId}.<aggregate>.<event>`, its message with the CloudEvents
 * headers and the data's schema (inline, JSON Schema draft-07 for the
 * parser; the 2020-12 original is published at `ce-dataschema`), and how a
 * subscriber sets up its JetStream consumer. Built from the catalogue, so it
 * cannot drift from what the relay sends.
 */
import { z } from "../../deps.ts";
import { IntegrationNames } from "../../runtime/core/mod.ts";
import { INTEGRATION_EVENTS } from "./catalogue.ts";
import type {
  IntegrationEventName,
  IntegrationEventSpec,
} from "./catalogue.ts";
import { integrationSchemaUrl } from "./json_schema.ts";

type Json = Record<string, unknown>;

/** How the document names the node and the events' source. */
export interface AsyncApiOptions {
  /** `TMS_PUBLIC_URL`: where the JSON Schemas are published. */
  publicUrl: string;
  /** `ce-source` of this installation (`/tms/<TMS_CLUSTER_NAME>`). */
  source: string;
  /** The document's version (the API's). */
  version?: string;
}

const CONSUMER_SETUP = `
**Connecting.** Ask the operator for a NATS user (\`deno task integration:credentials <name>\` makes one: an nkey allowed to subscribe to \`tms.int.>\` and to manage its own durable consumers on \`${IntegrationNames.stream}\`, nothing else) and the server's address.

**Consuming.** Create a durable **pull** consumer on the stream \`${IntegrationNames.stream}\` named as your user allows, with \`ack_policy: explicit\`, a \`max_deliver\` (e.g. 5) and \`ack_wait\` of your choice, and optionally \`filter_subject\` (\`tms.int.<bedriftId>.>\` for one bedrift, \`tms.int.*.invoice.>\` for one aggregate). Fetch, handle, then ack each message; a message delivered \`max_deliver\` times raises the advisory \`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${IntegrationNames.stream}.<consumer>\` — subscribe to it and set the message (its \`stream_seq\`) aside as a dead letter. \`docs/integration/subscriber.ts\` does all this.

**Each message** is a CloudEvent 1.0 in NATS binary content mode: the attributes are the \`ce-*\` headers (values percent-encoded outside U+0021–U+007E; decode them before handing them to a CloudEvents SDK), the body is the JSON data, valid against the schema named by \`ce-dataschema\`.

**Delivery** is at-least-once. \`ce-id\` (\`<feed position>-<index>\`, also \`Nats-Msg-Id\`) is unique per \`ce-source\` and the same on a redelivery or a re-publication: deduplicate by it. Within one aggregate (\`ce-subject\`) events come in the order they happened. Messages are kept \`TMS_INTEGRATION_MAX_AGE_DAYS\` days.

**Versions.** \`ce-type\` is \`no.tms.<aggregate>.<event>.v<major>\`: fields may be added to a version (ignore what you do not know); a breaking change is a new major, published beside the old one for a while.

**Personal data** never travels in clear: a person is referenced by id.`.trim();

function draft7(spec: IntegrationEventSpec): Json {
  const json = z.toJSONSchema(spec.schema, {
    target: "draft-7",
    io: "output",
  }) as Json;
  delete json.$schema;
  return json;
}

function headers(spec: IntegrationEventSpec, options: AsyncApiOptions): Json {
  const text = (description: string, extra: Json = {}) => ({
    type: "string",
    description,
    ...extra,
  });
  return {
    type: "object",
    required: [
      "ce-specversion",
      "ce-id",
      "ce-source",
      "ce-type",
      "ce-subject",
      "ce-time",
      "ce-dataschema",
      "ce-bedriftid",
      "content-type",
      "Nats-Msg-Id",
    ],
    properties: {
      "ce-specversion": text("CloudEvents version", { const: "1.0" }),
      "ce-id": text(
        "`<feed position>-<index>`: unique per source, the same on every redelivery",
        { pattern: "^\\d+-\\d+$" },
      ),
      "ce-source": text("The TMS installation", { const: options.source }),
      "ce-type": text("The event type and its major version", {
        const: spec.type,
      }),
      "ce-subject": text(
        `The ${spec.aggregate}'s id (\`${spec.subjectField}\` of the data), percent-encoded`,
      ),
      "ce-time": text("When it happened (ISO 8601)", { format: "date-time" }),
      "ce-dataschema": text("The JSON Schema of the data", {
        const: integrationSchemaUrl(options.publicUrl, spec.type),
      }),
      "ce-bedriftid": text(
        "Extension attribute: the bedrift the event belongs to (also the subject's second token)",
      ),
      "content-type": text("The data's media type", {
        const: "application/json",
      }),
      traceparent: text(
        "W3C trace context of the write the event came from (when traced)",
        { pattern: "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$" },
      ),
      "Nats-Msg-Id": text("JetStream dedup id, equal to ce-id"),
    },
  };
}

/** The AsyncAPI 3.0 document. */
export function asyncApiDocument(options: AsyncApiOptions): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  for (
    const [name, spec] of Object.entries(INTEGRATION_EVENTS) as [
      IntegrationEventName,
      IntegrationEventSpec,
    ][]
  ) {
    messages[name] = {
      name: spec.type,
      title: spec.type,
      summary: spec.summary,
      contentType: "application/json",
      headers: headers(spec, options),
      payload: draft7(spec),
      correlationId: {
        description: "The CloudEvent id (dedup key)",
        location: "$message.header#/ce-id",
      },
      externalDocs: {
        description: "The data's JSON Schema (draft 2020-12)",
        url: integrationSchemaUrl(options.publicUrl, spec.type),
      },
    };
    channels[name] = {
      address:
        `${IntegrationNames.subjectPrefix}.{bedriftId}.${spec.aggregate}.${spec.event}`,
      title: `${spec.aggregate} ${spec.event.replaceAll("_", " ")}`,
      description: spec.summary,
      parameters: {
        bedriftId: {
          description:
            "The bedrift's id (characters a subject token cannot hold are percent-encoded)",
        },
      },
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[name] = {
      action: "send",
      title: `TMS sends ${spec.type}`,
      summary: spec.summary,
      channel: { $ref: `#/channels/${name}` },
      messages: [{ $ref: `#/channels/${name}/messages/${name}` }],
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "TMS integration events",
      version: options.version ?? "1.0.0",
      description:
        `What TMS tells outside subscribers, on NATS JetStream (stream \`${IntegrationNames.stream}\`). The document describes TMS: every operation is one TMS sends and a subscriber receives.\n\n${CONSUMER_SETUP}`,
      tags: [{ name: "integration" }],
    },
    defaultContentType: "application/json",
    servers: {
      nats: {
        host: "{host}",
        protocol: "nats",
        description:
          "The NATS server (or cluster) the operator names; JetStream enabled",
        variables: {
          host: {
            default: "localhost:4222",
            description: "host:port of a NATS server",
          },
        },
        security: [{ $ref: "#/components/securitySchemes/nkey" }],
      },
    },
    channels,
    operations,
    components: {
      messages,
      securitySchemes: {
        nkey: {
          type: "asymmetricEncryption",
          description:
            "A NATS nkey user: the server holds the public key, the subscriber signs the server's nonce with its seed (`deno task integration:credentials <name>`). It may subscribe to `tms.int.>` and manage its own durable consumers on `TMS_INTEGRATION`; never `tms.evt.>` or `tms.rpc.>`.",
        },
      },
    },
    "x-tms-consumer": {
      stream: IntegrationNames.stream,
      subjects: `${IntegrationNames.subjectPrefix}.>`,
      deliverPolicy: "all",
      ackPolicy: "explicit",
      maxDeliver: 5,
      deadLetterAdvisory:
        `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${IntegrationNames.stream}.<consumer>`,
      dedupBy: "ce-id",
    },
  };
}
