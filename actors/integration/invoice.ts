/**
 * Integration events of the invoice aggregate: the bedrift and the customer
 * come from the draft (the stream's origin); the customer never by name.
 */
import type { InvoiceEvent } from "../invoice/mod.ts";
import type { EventMapping } from "./support.ts";
import { integrationEvent, money, withOrigin } from "./support.ts";

type Data<T extends InvoiceEvent["type"]> = Extract<
  InvoiceEvent,
  { type: T }
>;

/** The mappings of invoice events, by domain event type. */
export const invoiceMappings: Partial<
  Record<InvoiceEvent["type"], EventMapping>
> = {
  "invoice.sent": withOrigin<Data<"invoice.sent">, "invoice">(
    "invoice",
    (d, { commit, origin }) =>
      integrationEvent("invoiceSent", {
        invoiceId: commit.id,
        bedriftId: origin.bedriftId,
        kind: d.kind,
        number: d.number,
        fakturanummer: d.fakturanummer,
        kid: d.kid,
        fakturadato: d.fakturadato,
        forfallsdato: d.forfallsdato,
        kunde: origin.kunde,
        kreditnotaFor: origin.kreditnotaFor,
        netto: money(d.totals.netto),
        mva: money(d.totals.mva),
        brutto: money(d.totals.brutto),
        sentAt: d.at,
      }, d.at),
  ),
  "invoice.payment_registered": withOrigin<
    Data<"invoice.payment_registered">,
    "invoice"
  >(
    "invoice",
    (d, { commit, origin }) =>
      integrationEvent("invoicePaymentRegistered", {
        invoiceId: commit.id,
        bedriftId: origin.bedriftId,
        paymentId: d.paymentId,
        amount: money(d.amount),
        paidOn: d.paidOn,
        utestaende: money(d.utestaende),
        registeredAt: d.at,
      }, d.at),
  ),
  "invoice.paid": withOrigin<Data<"invoice.paid">, "invoice">(
    "invoice",
    (d, { commit, origin }) =>
      integrationEvent("invoicePaid", {
        invoiceId: commit.id,
        bedriftId: origin.bedriftId,
        paidOn: d.paidOn,
        betalt: money(d.betalt),
        paidAt: d.at,
      }, d.at),
  ),
  "invoice.reminded": withOrigin<Data<"invoice.reminded">, "invoice">(
    "invoice",
    (d, { commit, origin }) =>
      integrationEvent("invoiceReminded", {
        invoiceId: commit.id,
        bedriftId: origin.bedriftId,
        step: d.step,
        on: d.on,
        gebyr: money(d.gebyr),
        rente: money(d.rente),
        utestaende: money(d.utestaende),
        remindedAt: d.at,
      }, d.at),
  ),
  "invoice.credited": withOrigin<Data<"invoice.credited">, "invoice">(
    "invoice",
    (d, { commit, origin }) =>
      integrationEvent("invoiceCredited", {
        invoiceId: commit.id,
        bedriftId: origin.bedriftId,
        creditNoteId: d.creditNote.invoiceId,
        creditNoteFakturanummer: d.creditNote.fakturanummer,
        amount: money(d.amount),
        creditedAt: d.at,
      }, d.at),
  ),
};
