/** The events of the `invoice_sequence` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";

export type InvoiceSequenceEvent =
  | DomainEvent<"invoice_sequence.reserved", {
    invoiceId: string;
    number: number;
    at: string;
  }>
  | DomainEvent<"invoice_sequence.confirmed", {
    invoiceId: string;
    number: number;
    at: string;
  }>
  | DomainEvent<"invoice_sequence.released", {
    invoiceId: string;
    number: number;
    at: string;
  }>;

/** Current schema version of each invoice_sequence event. */
export const InvoiceSequenceEventVersions = {
  "invoice_sequence.reserved": 1,
  "invoice_sequence.confirmed": 1,
  "invoice_sequence.released": 1,
} as const satisfies EventVersions<InvoiceSequenceEvent>;

/** Every invoice_sequence event type. */
export const INVOICE_SEQUENCE_EVENT_TYPES = eventTypesOf(
  InvoiceSequenceEventVersions,
);

/** Builds a invoice_sequence event at its current schema version. */
export const invoiceSequenceEvent = eventFactory<InvoiceSequenceEvent>(
  InvoiceSequenceEventVersions,
);
