import { DomainError } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import { uniqueEvent } from "./events.ts";
import type { UniqueEvent } from "./events.ts";

/**
 * A unique value (an organisasjonsnummer, an ansattnummer within a bedrift) is
 * an actor keyed by the value: whoever reserves it first owns it.
 */
export type UniqueCommand =
  | { type: "reserve"; owner: string; at: string; takeoverFrom?: string }
  | { type: "release"; owner: string; at: string };

export interface UniqueState {
  owner: string | null;
}

export const uniqueDecider: Decider<UniqueCommand, UniqueEvent, UniqueState> = {
  initialState: { owner: null },
  decide(command, state) {
    switch (command.type) {
      case "reserve": {
        if (state.owner === command.owner) return [];
        if (state.owner !== null && state.owner !== command.takeoverFrom) {
          throw new DomainError(
            UniqueErrorCode.TAKEN,
            "The value is already in use",
          );
        }
        return [
          uniqueEvent("unique.reserved", {
            owner: command.owner,
            at: command.at,
          }),
        ];
      }
      case "release": {
        if (state.owner !== command.owner) return [];
        return [
          uniqueEvent("unique.released", {
            owner: command.owner,
            at: command.at,
          }),
        ];
      }
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case "unique.reserved":
        return { owner: event.data.owner };
      case "unique.released":
        return { owner: null };
    }
  },
};

/** Stable error codes of unique values. */
export const UniqueErrorCode = { TAKEN: "unique.taken" } as const;

/** The actor types of unique values, one per kind of value. */
export const UniqueKinds = {
  organisasjonsnummer: "unique_orgnr",
  ansattnummer: "unique_ansattnummer",
  /** Keyed by the blind index of a normalized e-mail address, never the address. */
  email: "unique_email",
} as const;

/** Actor definitions for every unique kind. */
export const uniqueActors: ActorDefinition<
  UniqueCommand,
  UniqueEvent,
  UniqueState
>[] = Object.values(UniqueKinds).map((type) => ({
  type,
  decider: uniqueDecider,
}));
