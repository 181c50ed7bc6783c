/** Integration events of the bedrift aggregate (the bedrift id is the stream's). */
import { BEDRIFT_DETAIL_FIELDS } from "../bedrift/mod.ts";
import type { BedriftEvent } from "../bedrift/mod.ts";
import type { EventMapping } from "./support.ts";
import { integrationEvent, plain } from "./support.ts";

type Data<T extends BedriftEvent["type"]> = Extract<
  BedriftEvent,
  { type: T }
>;

const ADDRESS = [
  "adresse",
  "postnummer",
  "poststed",
  "naeringskode",
  "organisasjonsform",
] as const;

/** The mappings of bedrift events, by domain event type. */
export const bedriftMappings: Partial<
  Record<BedriftEvent["type"], EventMapping>
> = {
  "bedrift.registered": plain<Data<"bedrift.registered">>((d, { commit }) =>
    integrationEvent("bedriftRegistered", {
      bedriftId: commit.id,
      organisasjonsnummer: d.organisasjonsnummer,
      navn: d.details.navn,
      adresse: d.details.adresse ?? null,
      postnummer: d.details.postnummer ?? null,
      poststed: d.details.poststed ?? null,
      naeringskode: d.details.naeringskode ?? null,
      organisasjonsform: d.details.organisasjonsform ?? null,
      status: "AKTIV",
      registeredAt: d.at,
    }, d.at)
  ),
  "bedrift.updated": plain<Data<"bedrift.updated">>((d, { commit }) => {
    const changed = BEDRIFT_DETAIL_FIELDS.filter((field) => field in d.changes);
    if (changed.length === 0) return null;
    const values: Record<string, string | null> = {};
    for (const field of ADDRESS) {
      if (field in d.changes) values[field] = d.changes[field] ?? null;
    }
    return integrationEvent("bedriftUpdated", {
      bedriftId: commit.id,
      changed: [...changed],
      ...(d.changes.navn !== undefined ? { navn: d.changes.navn } : {}),
      ...values,
      updatedAt: d.at,
    }, d.at);
  }),
  "bedrift.status_changed": plain<Data<"bedrift.status_changed">>((
    d,
    { commit },
  ) =>
    integrationEvent("bedriftStatusChanged", {
      bedriftId: commit.id,
      from: d.from ?? null,
      to: d.to,
      changedAt: d.at,
    }, d.at)
  ),
};
