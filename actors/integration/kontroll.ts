/** Integration events of the kontroll aggregate: its facts come from its creation. */
import type { KontrollCompleted, KontrollFailed } from "../kontroll/mod.ts";
import type { KontrollEvent } from "../kontroll/mod.ts";
import type { KontrollOrigin } from "./origin.ts";
import type { EventMapping } from "./support.ts";
import { integrationEvent, withOrigin } from "./support.ts";

function facts(
  kontrollId: string,
  origin: KontrollOrigin,
  completedBy: string,
  completedAt: string,
) {
  return {
    kontrollId,
    bedriftId: origin.bedriftId,
    malId: origin.malId,
    malRevision: origin.malRevision,
    registreringsnummer: origin.registreringsnummer,
    instructorId: origin.instructorId,
    learnerId: origin.learnerId,
    completedBy,
    completedAt,
  };
}

/** The mappings of kontroll events, by domain event type. */
export const kontrollMappings: Partial<
  Record<KontrollEvent["type"], EventMapping>
> = {
  "kontroll.completed": withOrigin<KontrollCompleted, "kontroll">(
    "kontroll",
    (d, { commit, origin }) =>
      integrationEvent(
        "kontrollCompleted",
        facts(commit.id, origin, d.completedBy, d.completedAt),
        d.completedAt,
      ),
  ),
  "kontroll.failed": withOrigin<KontrollFailed, "kontroll">(
    "kontroll",
    (d, { commit, origin }) =>
      integrationEvent("kontrollFailed", {
        ...facts(commit.id, origin, d.completedBy, d.completedAt),
        // The comment is free text: it stays inside.
        avvik: d.avvik.map(({ pointId, tittel, reason }) => ({
          pointId,
          tittel,
          reason,
        })),
      }, d.completedAt),
  ),
};
