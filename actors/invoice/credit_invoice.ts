import {
  ConcurrencyError,
  derivedId,
  NotFoundError,
} from "../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { untrackOpenItem } from "../open_items/mod.ts";
import { assertCreditable } from "./lifecycle.ts";
import { INVOICE } from "./types.ts";
import { sendInvoice } from "./send_invoice.ts";
import type { InvoiceEvent } from "./events.ts";
import type { InvoiceReference, InvoiceState } from "./types.ts";

export interface CreditInvoiceInput {
  /** The sent invoice to credit. */
  id: string;
  reason?: string | null;
  at: string;
}

/** What crediting produced: the credit note and the credited invoice. */
export interface CreditInvoiceResult {
  creditNoteId: string;
  creditNote: AskResult<InvoiceEvent, InvoiceState>;
  original: AskResult<InvoiceEvent, InvoiceState>;
}

/**
 * The id of an invoice's credit note, derived from the invoice id (a UUID
 * shape from SHA-256), so one invoice has one credit note and a retry of the
 * whole flow lands on the same one.
 */
export function creditNoteId(invoiceId: string): Promise<string> {
  return derivedId("invoice.credit_note", invoiceId);
}

function reference(id: string, state: InvoiceState): InvoiceReference {
  return {
    invoiceId: id,
    number: state.sent!.number,
    fakturanummer: state.sent!.fakturanummer,
  };
}

/**
 * Credits a sent invoice in full with a credit note (kreditnota): its own
 * invoice with the lines negated that references the original, numbered from
 * the same series when it is sent; then the original becomes KREDITERT. Each
 * step is idempotent, so a retry after a crash finishes the work. A credit
 * note cannot be edited or cancelled, so once created it is always sent and
 * its number never leaves a hole.
 */
export async function creditInvoice(
  system: ActorClient,
  input: CreditInvoiceInput,
  options: AskOptions = {},
): Promise<CreditInvoiceResult> {
  const { signal, meta } = options;
  const original = await system.read<InvoiceState>(INVOICE, input.id, {
    signal,
    principal: options.principal,
  });
  if (original.version === 0) throw new NotFoundError("Invoice does not exist");
  const { expectedVersion, ...rest } = options;
  if (expectedVersion !== undefined && expectedVersion !== original.version) {
    throw new ConcurrencyError(
      `Invoice is at version ${original.version}, not ${expectedVersion}`,
      expectedVersion,
      original.version,
    );
  }
  const noteId = await creditNoteId(input.id);
  const finished = original.state.kreditertAv?.invoiceId === noteId;
  if (!finished) assertCreditable(original.state);
  await system.ask(INVOICE, noteId, {
    type: "create_credit_note",
    bedriftId: original.state.bedriftId,
    kunde: original.state.kunde,
    original: reference(input.id, original.state),
    lines: original.state.lines,
    at: input.at,
  }, { signal, meta });
  const creditNote = await sendInvoice(system, { id: noteId, at: input.at }, {
    signal,
    meta,
  });
  const credited = await system.ask<InvoiceEvent, InvoiceState>(
    INVOICE,
    input.id,
    {
      type: "credit",
      creditNote: reference(noteId, creditNote.state),
      reason: input.reason ?? null,
      at: input.at,
    },
    rest,
  );
  await untrackOpenItem(
    system,
    original.state.bedriftId,
    "invoice",
    input.id,
    input.at,
  ).catch(() => {});
  return { creditNoteId: noteId, creditNote, original: credited };
}
