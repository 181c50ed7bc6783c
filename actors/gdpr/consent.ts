import type { AskOptions, AskResult } from "../../runtime/actor/mod.ts";
import { resolveSubject } from "./subjects.ts";
import type { GdprServices } from "./subjects.ts";
import { GDPR } from "./types.ts";
import type { Consent, GdprState } from "./types.ts";
import type { GdprEvent } from "./events.ts";

/** A consent as the edge takes it: who, for what, on which basis, when. */
export type RecordConsentInput = Omit<Consent, "recordedBy"> & {
  subjectId: string;
};

/**
 * Records a consent given or withdrawn for a purpose, on the subject's gdpr
 * record. The subject must be a person the principal may see (an employee,
 * a user or an invoice customer of its bedrift).
 */
export async function recordConsent(
  services: GdprServices,
  input: RecordConsentInput,
  options: AskOptions,
): Promise<AskResult<GdprEvent, GdprState>> {
  const person = await resolveSubject(services, input.subjectId, options);
  return await services.system.ask<GdprEvent, GdprState>(
    GDPR,
    input.subjectId,
    {
      type: "record_consent",
      ...input,
      kind: person.kind,
      bedriftId: person.bedriftId,
      recordedBy: options.principal?.subject ?? "system",
    },
    options,
  );
}
