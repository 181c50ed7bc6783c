/**
 * The `tms.ask <type>` span of one ask (mailbox wait included): its
 * attributes, its outcome, and which failures mark it as an error — only
 * the runtime's; a refusal is an outcome.
 */
import { captureContext, idHash, withSpan } from "../telemetry/mod.ts";
import type { Span, TraceContext } from "../telemetry/mod.ts";
import {
  ConcurrencyError,
  DomainError,
  NotFoundError,
  UnavailableError,
} from "../core/mod.ts";
import type { AskResult } from "./types.ts";

/** Runs `ask` (given the trace context to carry into the mailbox) inside its span. */
export function tracedAsk(
  type: string,
  id: string,
  command: unknown,
  ask: (trace: TraceContext | undefined) => Promise<AskResult>,
): Promise<AskResult> {
  return withSpan(`tms.ask ${type}`, {
    attributes: {
      "tms.aggregate.type": type,
      "tms.aggregate.id_hash": idHash(String(id)),
      "tms.command": commandName(command),
    },
  }, async (span) => {
    try {
      const result = await ask(captureContext());
      span?.setAttributes({
        "tms.outcome": result.duplicate
          ? "duplicate"
          : result.events.length === 0
          ? "unchanged"
          : "committed",
        "tms.commit.version": result.version,
        "tms.commit.position": result.position,
      });
      return result;
    } catch (error) {
      setOutcome(span, error);
      throw error;
    }
  }, isInfrastructureError);
}

/** The command's `type` when it has one (what the span names), else "command". */
function commandName(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === "string" ? type : "command";
}

/** How an ask ended, on its span: committed, rejected, conflict, … */
function setOutcome(span: Span | undefined, error: unknown): void {
  span?.setAttribute(
    "tms.outcome",
    error instanceof DomainError
      ? "rejected"
      : error instanceof NotFoundError
      ? "not_found"
      : error instanceof ConcurrencyError
      ? "conflict"
      : error instanceof UnavailableError
      ? "unavailable"
      : error instanceof Error && error.name === "TimeoutError"
      ? "timeout"
      : error instanceof TypeError || error instanceof RangeError
      ? "invalid"
      : "error",
  );
}

/** Only failures of the runtime mark the span as an error; refusals are outcomes. */
function isInfrastructureError(error: unknown): boolean {
  return !(error instanceof DomainError || error instanceof NotFoundError ||
    error instanceof ConcurrencyError);
}
