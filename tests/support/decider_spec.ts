import assert from "node:assert/strict";
import type { Decider } from "../../runtime/core/mod.ts";

/**
 * Given / When / Then for a pure decider: given past events, when a command,
 * then the new events, or the error it throws.
 *
 * @example
 * ```ts
 * const spec = deciderSpec(bedriftDecider);
 * spec.given([]).when(register).then([registered]);
 * spec.given([registered]).when(register).thenThrows(DomainError, "bedrift.already_registered");
 * ```
 */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: E[]) {
      const state = events.reduce(decider.evolve, decider.initialState);
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: E[]) {
              assert.deepEqual(run(), expected);
            },
            /** Asserts the events, then returns the state after them. */
            thenState(check: (state: S, events: E[]) => void) {
              const produced = run();
              check(produced.reduce(decider.evolve, state), produced);
            },
            thenThrows(
              // deno-lint-ignore no-explicit-any
              errorClass: new (...args: any[]) => Error,
              code?: string,
            ) {
              assert.throws(run, (error: unknown) => {
                assert.ok(
                  error instanceof errorClass,
                  `expected ${errorClass.name}, got ${error}`,
                );
                if (code !== undefined) {
                  assert.equal((error as { code?: string }).code, code);
                }
                return true;
              });
            },
          };
        },
      };
    },
  };
}
