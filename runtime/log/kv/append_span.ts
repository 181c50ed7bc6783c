/**
 * The internal span of one append to the embedded log (`tms.append
 * <type>`); the commit stores its context as `traceparent`, so projection
 * batches link to it.
 */
import { ConcurrencyError } from "../../core/mod.ts";
import type { AppendRequest, AppendResult } from "../../core/mod.ts";
import { withActiveTraceparent, withSpan } from "../../telemetry/mod.ts";

/** Runs `append` of `request` (given it with the span's traceparent) inside its span. */
export function withAppendSpan(
  request: AppendRequest,
  append: (traced: AppendRequest) => Promise<AppendResult>,
): Promise<AppendResult> {
  return withSpan(`tms.append ${request.type}`, {
    attributes: {
      "tms.log": "kv",
      "tms.aggregate.type": request.type,
      "tms.commit.events": request.events.length,
    },
  }, async (span) => {
    const result = await append(withActiveTraceparent(request));
    span?.setAttributes({
      "tms.commit.version": result.version,
      "tms.commit.position": result.position,
    });
    return result;
  }, (error) => !(error instanceof ConcurrencyError));
}
