import { NotFoundError } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import { parseInstant } from "../validators/mod.ts";
import { normalizeSjekkpunkter } from "./sjekkpunkt.ts";
import { KontrollMalStatus } from "./types.ts";
import type { MalReference, Sjekkpunkt } from "./types.ts";
import { kontrollMalEvent } from "./events.ts";
import type { KontrollMalEvent, KontrollMalUpdated } from "./events.ts";
import { KONTROLL_MAL, KontrollMalErrorCode } from "./types.ts";
import type {
  KontrollMal,
  KontrollMalCommand,
  KontrollMalState,
} from "./types.ts";

const E = KontrollMalErrorCode;

const SJEKKPUNKT_CODES = {
  empty: E.NO_SJEKKPUNKTER,
  invalid: E.INVALID_SJEKKPUNKT,
  duplicate: E.DUPLICATE_SJEKKPUNKT_ID,
} as const;

function decide(
  command: KontrollMalCommand,
  state: KontrollMalState,
): KontrollMalEvent[] {
  if (parseInstant(command?.at) === null) {
    throw new TypeError("A kontroll_mal command needs `at` as an ISO instant");
  }
  if (command.type === "create") {
    if (state !== null) {
      throw new DomainError(E.ALREADY_CREATED, `Template ${state.id} exists`);
    }
    return [kontrollMalEvent("kontroll_mal.created", {
      id: command.id,
      bedriftId: command.bedriftId,
      navn: validNavn(command.navn),
      beskrivelse: command.beskrivelse?.trim() ?? "",
      sjekkpunkter: normalizeSjekkpunkter(
        command.sjekkpunkter,
        SJEKKPUNKT_CODES,
      ),
      createdAt: command.at,
    })];
  }
  const mal = requireActive(state);
  switch (command.type) {
    case "update": {
      const data: KontrollMalUpdated["data"] = {
        revision: mal.revision + 1,
        updatedAt: command.at,
      };
      if (command.navn !== undefined) {
        const navn = validNavn(command.navn);
        if (navn !== mal.navn) data.navn = navn;
      }
      if (command.beskrivelse !== undefined) {
        const beskrivelse = command.beskrivelse.trim();
        if (beskrivelse !== mal.beskrivelse) data.beskrivelse = beskrivelse;
      }
      if (command.sjekkpunkter !== undefined) {
        const points = normalizeSjekkpunkter(
          command.sjekkpunkter,
          SJEKKPUNKT_CODES,
        );
        if (JSON.stringify(points) !== JSON.stringify(mal.sjekkpunkter)) {
          data.sjekkpunkter = points;
        }
      }
      const changed = data.navn !== undefined ||
        data.beskrivelse !== undefined || data.sjekkpunkter !== undefined;
      return changed ? [kontrollMalEvent("kontroll_mal.updated", data)] : [];
    }
    case "archive":
      return [
        kontrollMalEvent("kontroll_mal.archived", { archivedAt: command.at }),
      ];
    default:
      throw new TypeError(
        `Unknown kontroll_mal command ${(command as { type: string }).type}`,
      );
  }
}

function evolve(
  state: KontrollMalState,
  event: KontrollMalEvent,
): KontrollMalState {
  switch (event.type) {
    case "kontroll_mal.created":
      return {
        id: event.data.id,
        bedriftId: event.data.bedriftId,
        navn: event.data.navn,
        beskrivelse: event.data.beskrivelse,
        status: KontrollMalStatus.AKTIV,
        revision: 1,
        sjekkpunkter: event.data.sjekkpunkter,
        createdAt: event.data.createdAt,
        updatedAt: event.data.createdAt,
      };
    case "kontroll_mal.updated": {
      const { revision, updatedAt, ...changes } = event.data;
      return { ...state!, ...changes, revision, updatedAt };
    }
    case "kontroll_mal.archived":
      return {
        ...state!,
        status: KontrollMalStatus.ARKIVERT,
        updatedAt: event.data.archivedAt,
      };
    default:
      return state;
  }
}

/**
 * The checklist template (`KontrollMal`) aggregate.
 *
 * @example
 * ```ts
 * const [created] = kontrollMalDecider.decide({
 *   type: "create", id: "m1", bedriftId: "b1", navn: "Klasse B",
 *   sjekkpunkter: [{
 *     id: "lys", tittel: "Lys", beskrivelse: "", kind: "VISUELL",
 *     answerType: "CHECKBOX", required: true, signedOffBy: "BEGGE",
 *     licenceClass: "B",
 *   }],
 *   at: "2025-03-03T08:00:00Z",
 * }, null);
 * const state = kontrollMalDecider.evolve(null, created); // revision 1, AKTIV
 * ```
 */
export const kontrollMalDecider: Decider<
  KontrollMalCommand,
  KontrollMalEvent,
  KontrollMalState
> = { initialState: null, decide, evolve };

/** Actor type `kontroll_mal`: one checklist template. */
export const kontrollMalActor: ActorDefinition<
  KontrollMalCommand,
  KontrollMalEvent,
  KontrollMalState
> = {
  type: KONTROLL_MAL,
  decider: kontrollMalDecider,
  stateVersion: 1,
  tenantOf: (state, command) =>
    state?.bedriftId ??
      (command?.type === "create" ? command.bedriftId : undefined),
};

/**
 * What a `kontroll` `create` command needs from a template: a reference to the
 * revision and a copy of its points. Throws when the template does not exist
 * or is archived, so no kontroll is built from one.
 *
 * @example
 * ```ts
 * const { mal, sjekkpunkter } = kontrollMalSnapshot({
 *   id: "m1", bedriftId: "b1", navn: "Klasse B", beskrivelse: "",
 *   status: "AKTIV", revision: 2, sjekkpunkter: [],
 *   createdAt: "2025-03-03T08:00:00Z", updatedAt: "2025-03-04T08:00:00Z",
 * }); // mal: { id: "m1", revision: 2, navn: "Klasse B" }
 * ```
 */
export function kontrollMalSnapshot(
  state: KontrollMalState,
): { mal: MalReference; sjekkpunkter: Sjekkpunkt[] } {
  const mal = requireActive(state);
  return {
    mal: { id: mal.id, revision: mal.revision, navn: mal.navn },
    sjekkpunkter: structuredClone(mal.sjekkpunkter),
  };
}

function requireActive(state: KontrollMalState): KontrollMal {
  if (state === null) {
    throw new NotFoundError("The template does not exist", {
      code: E.NOT_FOUND,
    });
  }
  if (state.status === KontrollMalStatus.ARKIVERT) {
    throw new DomainError(E.ARCHIVED, `Template ${state.id} is archived`);
  }
  return state;
}

function validNavn(navn: string): string {
  const trimmed = typeof navn === "string" ? navn.trim() : "";
  if (trimmed === "") {
    throw new DomainError(E.INVALID_NAVN, "A template needs a name", {
      status: 422,
    });
  }
  return trimmed;
}
