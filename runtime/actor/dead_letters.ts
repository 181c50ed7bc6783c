/**
 * A command's dead letter: reported once when its actor parks; retried by
 * asking the actor again under the same command id, after looking in its stream for the command, so an append that
 * landed although it reported a failure is never written twice — even when
 * the actor has handled more commands since than it remembers ids of.
 */
import { ConcurrencyError, DomainError, NotFoundError } from "../core/mod.ts";
import { DeadLetterKinds, errorReason } from "../core/mod.ts";
import type {
  DeadLetter,
  DeadLetterInput,
  DeadLetterOutcome,
  DeadLetterRetrier,
} from "../core/mod.ts";
import type { EventLog, SignalOptions } from "../core/mod.ts";
import type { ActorClient } from "./types.ts";
import type { Activation, Envelope } from "./activations.ts";

/**
 * Reports the message that exhausted the restarts of its actor, once. The
 * messages that parking refuses were never attempted: their callers get 503
 * and retry, so they are not dead letters.
 */
export function reportDeadLetter(
  onDeadLetter: ((letter: DeadLetterInput) => void) | undefined,
  activation: Activation,
  envelope: Envelope,
  attempts: number,
  cause: unknown,
): void {
  if (!onDeadLetter) return;
  const { options } = envelope;
  try {
    onDeadLetter({
      kind: "command",
      reason: errorReason(cause),
      attempts,
      at: new Date().toISOString(),
      command: {
        type: activation.type,
        id: activation.id,
        command: envelope.command,
        commandId: envelope.commandId,
        expectedVersion: options.expectedVersion ?? null,
        meta: options.meta ?? null,
        appendedFrom: envelope.appendedFrom,
      },
    });
  } catch (error) {
    console.error(`Dead letter of ${activation.key} was not recorded`, error);
  }
}

/**
 * The retrier of command dead letters: `client` is where commands go on this
 * node (the cluster router in distributed mode, so the shard's owner handles
 * it), `log` the event log it reads the stream from.
 *
 * Outcomes: `resolved` when the command commits now or had committed;
 * `rejected` when a rule refuses it (`DomainError`), its `If-Match` version
 * is stale or the thing is gone; any other failure (the log is still down,
 * the actor is parked) throws, and the letter stays open.
 *
 * @example
 * ```ts
 * const office = new DeadLetterOffice({ store, node, retriers: { command: commandRetrier(system, log) } });
 * ```
 */
export function commandRetrier(
  client: ActorClient,
  log: EventLog,
): DeadLetterRetrier {
  return {
    canRetry: (letter) =>
      letter.kind === DeadLetterKinds.command && letter.command !== null,
    retry: (letter, options) => retryCommand(client, log, letter, options),
  };
}

async function retryCommand(
  client: ActorClient,
  log: EventLog,
  letter: DeadLetter,
  { signal }: SignalOptions,
): Promise<DeadLetterOutcome> {
  const c = letter.command;
  if (!c) throw new TypeError(`Dead letter ${letter.id} holds no command`);
  if (c.truncated) {
    return {
      status: "rejected",
      detail:
        "The command was too large to keep; the client must send it again",
    };
  }
  if (c.appendedFrom !== null) {
    const commits = await log.readStream(c.type, c.id, c.appendedFrom, {
      signal,
    });
    const landed = commits.find((commit) => commit.commandId === c.commandId);
    if (landed) {
      return {
        status: "resolved",
        detail:
          `Had committed at version ${landed.version} (position ${landed.position}); nothing written`,
      };
    }
  }
  try {
    const result = await client.ask(c.type, c.id, c.command, {
      commandId: c.commandId,
      expectedVersion: c.expectedVersion ?? undefined,
      meta: c.meta ?? undefined,
      signal,
    });
    return {
      status: "resolved",
      detail: result.duplicate
        ? `Had committed at version ${result.version} (position ${result.position}); nothing written`
        : result.events.length === 0
        ? `Accepted at version ${result.version}; it produced no events`
        : `Committed at version ${result.version} (position ${result.position})`,
    };
  } catch (error) {
    if (error instanceof DomainError) {
      return { status: "rejected", detail: `${error.code}: ${error.message}` };
    }
    if (error instanceof NotFoundError) {
      return { status: "rejected", detail: error.message };
    }
    if (error instanceof ConcurrencyError && c.expectedVersion !== null) {
      return {
        status: "rejected",
        detail: `Its If-Match version is stale: ${error.message}`,
      };
    }
    throw error;
  }
}
