import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import { KONTROLL_MAL, kontrollMalSnapshot } from "../kontroll_mal/mod.ts";
import type { KontrollMalState } from "../kontroll_mal/mod.ts";
import type { KontrollEvent } from "./events.ts";
import { KONTROLL, KontrollErrorCode } from "./types.ts";
import type { KontrollState } from "./types.ts";

export interface CreateKontrollInput {
  id: string;
  malId: string;
  registreringsnummer: string;
  instructorId: string;
  learnerId: string | null;
  at: string;
}

/**
 * Creates a kontroll from the current revision of a checklist template: the
 * template's check points are copied into the command, so the kontroll never
 * reads the template again. An unknown template is a 422.
 */
export async function createKontroll(
  system: ActorClient,
  input: CreateKontrollInput,
  options: AskOptions = {},
): Promise<AskResult<KontrollEvent, KontrollState>> {
  const template = await system.read<KontrollMalState>(
    KONTROLL_MAL,
    input.malId,
    { signal: options.signal, principal: options.principal },
  );
  if (template.state === null) {
    throw new DomainError(
      KontrollErrorCode.UNKNOWN_MAL,
      "No checklist template with that id",
      { status: 422 },
    );
  }
  const { mal, sjekkpunkter } = kontrollMalSnapshot(template.state);
  return await system.ask<KontrollEvent, KontrollState>(KONTROLL, input.id, {
    type: "create",
    id: input.id,
    bedriftId: template.state.bedriftId,
    mal,
    sjekkpunkter,
    registreringsnummer: input.registreringsnummer,
    instructorId: input.instructorId,
    learnerId: input.learnerId,
    at: input.at,
  }, options);
}
