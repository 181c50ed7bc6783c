/**
 * The PRODUCER span of one append in distributed mode (`publish
 * tms.evt.<type>`, OpenTelemetry messaging conventions); the commit carries
 * its context in `traceparent`, so projections and relays link to it.
 */
import { ConcurrencyError } from "../../core/mod.ts";
import { commitMsgId, JetStreamNames } from "../../core/mod.ts";
import type { AppendRequest, AppendResult } from "../../core/mod.ts";
import {
  SpanKinds,
  withActiveTraceparent,
  withSpan,
} from "../../telemetry/mod.ts";

/** Runs `append` of `request` (given it with the span's traceparent) inside its span. */
export function withPublishSpan(
  subject: string,
  request: AppendRequest,
  append: (traced: AppendRequest) => Promise<AppendResult>,
): Promise<AppendResult> {
  return withSpan(
    `publish ${JetStreamNames.subjectPrefix}.${request.type}`,
    {
      kind: SpanKinds.producer,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "messaging.operation.name": "publish",
        "messaging.destination.name": subject,
        "messaging.destination.template":
          `${JetStreamNames.subjectPrefix}.${request.type}.{id}`,
        "tms.aggregate.type": request.type,
        "tms.commit.events": request.events.length,
      },
    },
    async (span) => {
      const result = await append(withActiveTraceparent(request));
      span?.setAttributes({
        "messaging.message.id": commitMsgId(
          request.type,
          request.id,
          result.version,
        ),
        "tms.commit.version": result.version,
        "tms.commit.position": result.position,
      });
      return result;
    },
    (error) => !(error instanceof ConcurrencyError),
  );
}
