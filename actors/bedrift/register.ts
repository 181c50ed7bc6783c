import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import { releaseUnique, reserveUnique, UniqueKinds } from "../unique/mod.ts";
import type { BedriftEvent } from "./events.ts";
import { BEDRIFT, BedriftErrorCode } from "./types.ts";
import type { BedriftDetails, BedriftState } from "./types.ts";

export interface RegisterBedriftInput {
  id: string;
  organisasjonsnummer: string;
  details: BedriftDetails;
  at: string;
}

/**
 * Registers a bedrift with a system-wide unique organisasjonsnummer: the
 * number's reservation actor is asked first, then the bedrift. If the
 * registration is refused the reservation is released (compensation). A
 * reservation left by a registration that never completed (a crash between the
 * two steps) is taken over, since its owner has no history.
 */
export async function registerBedrift(
  system: ActorClient,
  input: RegisterBedriftInput,
  options: AskOptions = {},
): Promise<AskResult<BedriftEvent, BedriftState>> {
  await reserveUnique(system, {
    kind: UniqueKinds.organisasjonsnummer,
    value: input.organisasjonsnummer,
    owner: { type: BEDRIFT, id: input.id },
    at: input.at,
    taken: () =>
      new DomainError(
        BedriftErrorCode.ORGANISASJONSNUMMER_TAKEN,
        `Organisasjonsnummer ${input.organisasjonsnummer} is already registered`,
      ),
    signal: options.signal,
    meta: options.meta,
  });
  try {
    return await system.ask<BedriftEvent, BedriftState>(BEDRIFT, input.id, {
      type: "register",
      organisasjonsnummer: input.organisasjonsnummer,
      details: input.details,
      at: input.at,
    }, options);
  } catch (error) {
    if (
      error instanceof DomainError &&
      error.code !== BedriftErrorCode.ALREADY_REGISTERED
    ) {
      await releaseUnique(system, {
        kind: UniqueKinds.organisasjonsnummer,
        value: input.organisasjonsnummer,
        owner: input.id,
        at: input.at,
        meta: options.meta,
      });
    }
    throw error;
  }
}
