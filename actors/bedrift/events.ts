/** The events of the `bedrift` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type {
  BedriftDetails,
  BedriftStatus,
  InvoiceSettings,
} from "./types.ts";

export type BedriftEvent =
  | DomainEvent<"bedrift.registered", {
    organisasjonsnummer: string;
    details: BedriftDetails;
    at: string;
  }>
  | DomainEvent<"bedrift.updated", {
    changes: Partial<BedriftDetails>;
    at: string;
  }>
  | DomainEvent<"bedrift.status_changed", {
    from: BedriftStatus;
    to: BedriftStatus;
    reason: string | null;
    at: string;
  }>
  | DomainEvent<"bedrift.invoice_settings_changed", {
    changes: Partial<InvoiceSettings>;
    at: string;
  }>;

/** Current schema version of each bedrift event. */
export const BedriftEventVersions = {
  "bedrift.registered": 1,
  "bedrift.updated": 1,
  "bedrift.status_changed": 1,
  "bedrift.invoice_settings_changed": 1,
} as const satisfies EventVersions<BedriftEvent>;

/** Every bedrift event type. */
export const BEDRIFT_EVENT_TYPES = eventTypesOf(BedriftEventVersions);

/** Builds a bedrift event at its current schema version. */
export const bedriftEvent = eventFactory<BedriftEvent>(BedriftEventVersions);
