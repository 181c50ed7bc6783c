/**
 * Retrying a projection's dead letter: resume the halted projection from its
 * checkpoint on the node that runs it, and wait until it has applied the
 * poison commit's position or halts again.
 */
import { UnavailableError } from "../core/mod.ts";
import { DeadLetterKinds } from "../core/mod.ts";
import { errorReason } from "../core/mod.ts";
import type { DeadLetterInput, DeadLetterRetrier } from "../core/mod.ts";
import type { PoisonCommit } from "./support.ts";
import type { ProjectionFailure } from "./types.ts";
import type { ProjectionEngine } from "./engine.ts";

/**
 * The retrier of projection dead letters. `engine` answers the engine this
 * node runs now (null on a standby or a command node): only that node can
 * resume a projection, so the others leave the letter for it.
 *
 * A retry resolves the letter once the projection has applied the position;
 * if it halts again there (the code or data is not fixed yet) it throws, the
 * projection stays halted and the letter open with the new reason. A letter
 * whose projection got past the position another way (a rebuild, a resume)
 * is resolved by `reconcile`.
 *
 * @example
 * ```ts
 * const office = new DeadLetterOffice({ store, node, retriers: { projection: projectionRetrier(() => engine) } });
 * ```
 */
export function projectionRetrier(
  engine: () => ProjectionEngine | null | undefined,
): DeadLetterRetrier {
  return {
    canRetry: (letter) =>
      letter.kind === DeadLetterKinds.projection &&
      letter.projection !== null && !!engine(),
    async retry(letter, { signal }) {
      const current = engine();
      const target = letter.projection;
      if (!current || !target) {
        throw new UnavailableError("This node does not run the projections");
      }
      if (!current.projections.some((p) => p.name === target.name)) {
        return {
          status: "rejected",
          detail: `No projection named ${target.name} runs any more`,
        };
      }
      const reached = await current.retryFailure(target.name, target.position, {
        signal,
      });
      return {
        status: "resolved",
        detail:
          `Projection ${target.name} applied position ${target.position} (now at ${reached})`,
      };
    },
    reconcile(letter) {
      const target = letter.projection;
      const status = target &&
        engine()?.status().find((s) => s.name === target.name);
      if (!target || !status || status.position < target.position) return null;
      return `Projection ${target.name} is past position ${target.position} (at ${status.position})`;
    },
  };
}

/** The dead letter of a projection halted at a poison commit. */
export function poisonLetter(
  name: string,
  poison: PoisonCommit,
  failure: ProjectionFailure,
): DeadLetterInput {
  return {
    kind: "projection",
    reason: errorReason(poison.cause),
    attempts: 1,
    at: failure.at,
    projection: {
      name,
      position: failure.position,
      streamType: failure.streamType,
      streamId: failure.streamId,
      version: failure.version,
      eventTypes: failure.eventTypes,
    },
  };
}
