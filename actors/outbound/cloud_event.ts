/**
 * The JSON form of an outbound message: a CloudEvent 1.0 in structured mode
 * (the body of a webhook delivery, the data of an SSE message), with the
 * same `id`, `type`, `subject` and `time` as the relay's binary-mode NATS
 * message of the same event.
 */
import type { PositionedIntegrationEvent } from "../../runtime/relay/mod.ts";

/** A CloudEvent in structured JSON mode. */
export interface StructuredCloudEvent {
  specversion: "1.0";
  /** `<position>-<index>`. */
  id: string;
  /** `/tms/<node or cluster>`. */
  source: string;
  /** `no.tms.<aggregate>.<event>.v<major>`. */
  type: string;
  /** The aggregate's id. */
  subject: string;
  time: string;
  datacontenttype: "application/json";
  /** Extension: the bedrift (tenant) it belongs to. */
  bedriftid: string;
  /** Extension: when the log accepted its commit (ISO 8601). */
  tmscommittedat: string;
  data: Record<string, unknown>;
}

/** The structured CloudEvent of a positioned event. */
export function cloudEvent(
  event: PositionedIntegrationEvent,
  source: string,
  committedAt: number,
): StructuredCloudEvent {
  return {
    specversion: "1.0",
    id: event.id,
    source,
    type: event.type,
    subject: event.subject,
    time: event.time,
    datacontenttype: "application/json",
    bedriftid: event.tenant,
    tmscommittedat: new Date(committedAt).toISOString(),
    data: event.data,
  };
}
