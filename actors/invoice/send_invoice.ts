import { InvoiceErrorCode } from "./types.ts";
import {
  ConcurrencyError,
  DomainError,
  NotFoundError,
} from "../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { BEDRIFT, BedriftStatus } from "../bedrift/mod.ts";
import type { BedriftState } from "../bedrift/mod.ts";
import { INVOICE_SEQUENCE, reservedNumber } from "../invoice_sequence/mod.ts";
import type { InvoiceSequenceState } from "../invoice_sequence/mod.ts";
import { trackOpenItem } from "../open_items/mod.ts";
import { addDays, osloDay } from "../validators/mod.ts";
import { assertSendable } from "./lifecycle.ts";
import { INVOICE } from "./types.ts";
import { invoiceKid } from "./kid.ts";
import { InvoiceKind, InvoiceStatus } from "./types.ts";
import type { InvoiceEvent } from "./events.ts";
import type { InvoiceState, Selger, SentInfo } from "./types.ts";

export interface SendInvoiceInput {
  id: string;
  /** The time of sending (ISO); the invoice date is its day in Norway. */
  at: string;
}

/**
 * Asks an invoice that is already sent to `send` with the number it holds: a
 * retry of the command that sent it (same command id) gets that call's
 * original result; any other request gets the invoice as it is now, without
 * writing (the decider sees the same number and produces no event).
 */
function resend(
  system: ActorClient,
  id: string,
  sent: SentInfo,
  at: string,
  options: AskOptions,
): Promise<AskResult<InvoiceEvent, InvoiceState>> {
  const { sentAt: _, ...fixed } = sent;
  return system.ask<InvoiceEvent, InvoiceState>(
    INVOICE,
    id,
    { type: "send", ...fixed, at },
    { ...options, expectedVersion: undefined },
  );
}

/**
 * Sends an invoice (or a credit note): checks it and its bedrift first, tracks
 * it for the reminder job, reserves the number for this invoice id in the
 * bedrift's series, then asks the invoice to `send` with number, fakturanummer,
 * KID, dates and the seller. Idempotent: a retry (same command id) gets its
 * first call's result, another send of a sent invoice gets it as it is, and a
 * retry after a crash gets the number reserved before. If the
 * invoice refuses after the reservation and can never be sent with that number,
 * the number goes back to the series.
 */
export async function sendInvoice(
  system: ActorClient,
  input: SendInvoiceInput,
  options: AskOptions = {},
): Promise<AskResult<InvoiceEvent, InvoiceState>> {
  const { signal } = options;
  const invoice = await system.read<InvoiceState>(INVOICE, input.id, {
    signal,
    principal: options.principal,
  });
  if (invoice.version === 0) throw new NotFoundError("Invoice does not exist");
  if (invoice.state.sent !== null) {
    return await resend(
      system,
      input.id,
      invoice.state.sent,
      input.at,
      options,
    );
  }
  if (
    options.expectedVersion !== undefined &&
    options.expectedVersion !== invoice.version
  ) {
    throw new ConcurrencyError(
      `Invoice is at version ${invoice.version}, not ${options.expectedVersion}`,
      options.expectedVersion,
      invoice.version,
    );
  }
  assertSendable(invoice.state);
  const { bedriftId, kind, kunde } = invoice.state;
  const credit = kind === InvoiceKind.KREDITNOTA;
  const bedrift = await system.read<BedriftState>(BEDRIFT, bedriftId, {
    signal,
    principal: options.principal,
  });
  const status = bedrift.state.status;
  if (
    status === null ||
    (credit
      ? status === BedriftStatus.AVVIKLET
      : status !== BedriftStatus.AKTIV)
  ) {
    throw new DomainError(
      InvoiceErrorCode.BEDRIFT_NOT_ACTIVE,
      `Bedrift is ${status ?? "unknown"} and cannot send invoices`,
    );
  }
  const settings = bedrift.state.invoiceSettings;
  if (!credit && settings.kontonummer === null) {
    throw new DomainError(
      InvoiceErrorCode.KONTONUMMER_MISSING,
      "Set the bedrift's kontonummer in its invoice settings before sending",
    );
  }
  if (!credit) {
    await trackOpenItem(system, bedriftId, "invoice", input.id, input.at, {
      signal,
    });
  }
  const reserved = await system.ask<never, InvoiceSequenceState>(
    INVOICE_SEQUENCE,
    bedriftId,
    {
      type: "reserve",
      invoiceId: input.id,
      startNummer: settings.fakturaStartNummer,
      at: input.at,
    },
    { signal, meta: options.meta },
  );
  const number = reservedNumber(reserved.state, input.id)!;
  const fakturadato = osloDay(input.at);
  const details = bedrift.state.details;
  const selger: Selger = {
    navn: details.navn,
    organisasjonsnummer: bedrift.state.organisasjonsnummer,
    mvaRegistrert: settings.mvaRegistrert,
    kontonummer: settings.kontonummer,
    adresse: details.adresse ?? null,
    postnummer: details.postnummer ?? null,
    poststed: details.poststed ?? null,
  };
  try {
    const result = await system.ask<InvoiceEvent, InvoiceState>(
      INVOICE,
      input.id,
      {
        type: "send",
        number,
        fakturanummer: `${settings.fakturaPrefix}${number}`,
        kid: credit
          ? null
          : invoiceKid(kunde.kundenummer, number, settings.kidAlgoritme),
        kidAlgoritme: settings.kidAlgoritme,
        fakturadato,
        forfallsdato: credit
          ? fakturadato
          : addDays(fakturadato, settings.forfallsdager),
        selger,
        at: input.at,
      },
      options,
    );
    await system.ask(INVOICE_SEQUENCE, bedriftId, {
      type: "confirm",
      invoiceId: input.id,
      number,
      at: input.at,
    }, { meta: options.meta }).catch(() => {
      // The reconciliation in the daily job confirms it later.
    });
    return result;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const after = await system.read<InvoiceState>(INVOICE, input.id);
    const neverWithThis = after.state.status !== InvoiceStatus.UTKAST &&
      after.state.sent?.number !== number;
    if (neverWithThis) {
      await releaseNumber(system, bedriftId, input.id, number, input.at);
    }
    if (after.state.sent !== null) {
      return await resend(
        system,
        input.id,
        after.state.sent,
        input.at,
        options,
      );
    }
    throw error;
  }
}

/** Gives a pending number back to the series (idempotent). */
export async function releaseNumber(
  system: ActorClient,
  bedriftId: string,
  invoiceId: string,
  number: number,
  at: string,
): Promise<void> {
  await system.ask(INVOICE_SEQUENCE, bedriftId, {
    type: "release",
    invoiceId,
    number,
    at,
  });
}

/**
 * Settles the bedrift's pending reservations from the invoices' own state:
 * confirmed when the invoice was sent with the number, released when it can
 * never be (cancelled, or sent with another number), left alone while it is a
 * draft. Returns how many it settled.
 */
export async function reconcileSequence(
  system: ActorClient,
  bedriftId: string,
  at: string,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const { state } = await system.read<InvoiceSequenceState>(
    INVOICE_SEQUENCE,
    bedriftId,
    options,
  );
  let settled = 0;
  for (const [invoiceId, number] of Object.entries(state.pending)) {
    const invoice = await system.read<InvoiceState>(
      INVOICE,
      invoiceId,
      options,
    );
    const s = invoice.state;
    if (s.sent?.number === number) {
      await system.ask(INVOICE_SEQUENCE, bedriftId, {
        type: "confirm",
        invoiceId,
        number,
        at,
      }, options);
      settled++;
    } else if (s.status !== InvoiceStatus.UTKAST && s.status !== null) {
      await releaseNumber(system, bedriftId, invoiceId, number, at);
      settled++;
    }
  }
  return settled;
}
