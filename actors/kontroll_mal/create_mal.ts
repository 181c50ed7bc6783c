import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import { BEDRIFT } from "../bedrift/mod.ts";
import type { KontrollMalEvent } from "./events.ts";
import { KONTROLL_MAL, KontrollMalErrorCode } from "./types.ts";
import type { KontrollMalCommand, KontrollMalState } from "./types.ts";

export type CreateKontrollMalInput = Omit<
  Extract<KontrollMalCommand, { type: "create" }>,
  "type"
>;

/** Creates a checklist template for a bedrift that exists (else 422). */
export async function createKontrollMal(
  system: ActorClient,
  input: CreateKontrollMalInput,
  options: AskOptions = {},
): Promise<AskResult<KontrollMalEvent, KontrollMalState>> {
  const bedrift = await system.read(BEDRIFT, input.bedriftId, {
    signal: options.signal,
    principal: options.principal,
  });
  if (bedrift.version === 0) {
    throw new DomainError(
      KontrollMalErrorCode.UNKNOWN_BEDRIFT,
      "No bedrift with that id",
      { status: 422 },
    );
  }
  return await system.ask<KontrollMalEvent, KontrollMalState>(
    KONTROLL_MAL,
    input.id,
    { type: "create", ...input },
    options,
  );
}
