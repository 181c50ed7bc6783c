import type { Decider, DomainEvent } from "../../runtime/core/mod.ts";

/**
 * The events a decider makes of a series of commands, one list per command:
 * realistic input for a projection spec (each list becomes one commit).
 */
export function history<C, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  commands: readonly C[],
): E[][] {
  let state = decider.initialState;
  return commands.map((command) => {
    const events = decider.decide(command, state);
    state = events.reduce(decider.evolve, state);
    return events;
  });
}
