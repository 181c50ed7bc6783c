/**
 * The `system` aggregate: streams of the platform itself, not of a bedrift
 * (`system/test` holds the operators' test events). Only a platform
 * principal may touch them.
 */
import type { Decider } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { systemEvent } from "./events.ts";
import type { SystemEvent } from "./events.ts";

/** Actor type of the platform's own streams. */
export const SYSTEM = "system";
/** The stream of test events. */
export const SYSTEM_TEST_STREAM = "test";

export type SystemCommand = {
  type: "test";
  requestedBy: string;
  note: string | null;
  at: string;
};

/** How many test events the stream holds. */
export interface SystemState {
  tests: number;
  lastTestAt: string | null;
}

export const systemDecider: Decider<SystemCommand, SystemEvent, SystemState> = {
  initialState: { tests: 0, lastTestAt: null },
  decide(command) {
    return [systemEvent("system.test", {
      requestedBy: command.requestedBy,
      note: command.note,
      at: command.at,
    })];
  },
  evolve(state, event) {
    return { tests: state.tests + 1, lastTestAt: event.data.at };
  },
};

export const systemActor: ActorDefinition<
  SystemCommand,
  SystemEvent,
  SystemState
> = {
  type: SYSTEM,
  decider: systemDecider,
  tenantOf: () => null,
};
