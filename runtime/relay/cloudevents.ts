/**
 * An integration event as a CloudEvent 1.0 in NATS binary content mode: the
 * attributes as `ce-` headers, the data as the JSON body. Header values are
 * percent-encoded (UTF-8) outside the printable ASCII range U+0021–U+007E,
 * and for space, `"` and `%`, as the CloudEvents HTTP binding asks.
 */
import { CloudEventHeaders } from "../core/mod.ts";
import type { PositionedIntegrationEvent } from "./types.ts";

const encoder = new TextEncoder();

/** A header value with every byte outside U+0021–U+007E (and `"`, `%`) percent-encoded. */
export function percentEncodeHeader(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== "%") {
      out += ch;
    } else {
      for (const byte of encoder.encode(ch)) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      }
    }
  }
  return out;
}

/** Where every message of a relay comes from and where its schemas are. */
export interface CloudEventContext {
  /** `ce-source`, e.g. `/tms/prod`. */
  source: string;
  /** `ce-dataschema` of an event type: the URL of its JSON Schema. */
  dataschema(type: string): string;
}

/**
 * The NATS headers of one integration message, in order: the CloudEvent's
 * attributes, `content-type`, `traceparent` (when the commit had one) and
 * `Nats-Msg-Id` (= `ce-id`, so JetStream drops a re-publication).
 */
export function cloudEventHeaders(
  event: PositionedIntegrationEvent,
  context: CloudEventContext,
): [string, string][] {
  const h = CloudEventHeaders;
  const headers: [string, string][] = [
    [h.specversion, "1.0"],
    [h.id, event.id],
    [h.source, context.source],
    [h.type, event.type],
    [h.subject, event.subject],
    [h.time, event.time],
    [h.dataschema, context.dataschema(event.type)],
    [h.tenant, event.tenant],
    [h.contentType, "application/json"],
  ];
  if (event.traceparent) headers.push([h.traceparent, event.traceparent]);
  headers.push([h.msgId, event.id]);
  return headers.map(([name, value]) => [name, percentEncodeHeader(value)]);
}
