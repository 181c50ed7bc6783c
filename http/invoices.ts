/**
 * `/api/v1/invoices`: drafts and lines, the lifecycle after the draft (send,
 * payments, reminders, cancel, credit), the PDF of a sent invoice, and the
 * list from the `invoices` read model.
 */
import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { NotFoundError } from "../runtime/core/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import {
  cancelInvoice,
  creditInvoice,
  DEFAULT_RATES,
  draftInvoice,
  INVOICE,
  invoiceBalance,
  INVOICES_PROJECTION,
  listInvoices,
  registerInvoicePayment,
  remindInvoice,
  renderInvoicePdf,
  sendInvoice,
} from "../actors/invoice/mod.ts";
import type { InvoiceCommand, InvoiceState } from "../actors/invoice/mod.ts";
import {
  AddLineBody,
  CancelInvoiceBody,
  CreditInvoiceBody,
  DraftInvoiceBody,
  InvoicesQuery,
  RegisterPaymentBody,
  RemindInvoiceBody,
  SendInvoiceBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listHandler } from "./queries.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  parseOptionalBody,
  pathId,
  readOptions,
  writeHeaders,
} from "./write.ts";

/** The JSON view of an invoice; money as strings with two decimals. */
export function invoiceView(id: string, version: number, state: InvoiceState) {
  const sent = state.sent;
  const { brutto: _, ...balance } = invoiceBalance(state);
  return {
    id,
    version,
    status: state.status,
    kind: state.kind,
    bedriftId: state.bedriftId,
    kunde: state.kunde,
    lines: state.lines,
    totals: state.totals,
    number: sent?.number ?? null,
    fakturanummer: sent?.fakturanummer ?? null,
    kid: sent?.kid ?? null,
    fakturadato: sent?.fakturadato ?? null,
    forfallsdato: sent?.forfallsdato ?? null,
    selger: sent?.selger ?? null,
    ...balance,
    payments: state.payments,
    reminders: state.reminders,
    paidOn: state.paidOn,
    kreditnotaFor: state.kreditnotaFor,
    kreditertAv: state.kreditertAv,
    cancelled: state.cancelled,
    createdAt: state.createdAt,
    sentAt: sent?.sentAt ?? null,
    updatedAt: state.updatedAt,
  };
}

function invoiceId(c: Context): string {
  const id = pathId(c);
  if (!id) throw new NotFoundError("No such invoice");
  return id;
}

/** Routes of `/api/v1/invoices`. */
export function invoiceRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const rates = deps.rates ?? DEFAULT_RATES;
  const app = new Hono();

  const reply = (
    c: Context,
    id: string,
    result: AskResult<unknown, InvoiceState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    if (status === 201) c.header("Location", `/api/v1/invoices/${id}`);
    return c.json(invoiceView(id, result.version, result.state), status);
  };

  const ask = async (
    c: Context,
    id: string,
    command: InvoiceCommand,
    route: string,
  ) =>
    reply(
      c,
      id,
      await system.ask<never, InvoiceState>(
        INVOICE,
        id,
        command,
        askOptions(c, route),
      ),
    );

  const read = async (c: Context) => {
    const id = invoiceId(c);
    const result = await system.read<InvoiceState>(INVOICE, id, readOptions(c));
    if (result.version === 0) throw new NotFoundError("No such invoice");
    return { id, ...result };
  };

  app.get(
    "/",
    listHandler(deps.readSide, {
      projection: INVOICES_PROJECTION,
      query: InvoicesQuery,
      list: listInvoices,
    }),
  );

  app.post("/", async (c) => {
    const body = await parseBody(c, DraftInvoiceBody);
    const id = await newId(c, INVOICE);
    const result = await draftInvoice(system, {
      id,
      bedriftId: body.bedriftId,
      kunde: body.kunde,
      at: now(),
    }, askOptions(c, "invoice.draft"));
    return reply(c, id, result, 201);
  });

  app.get("/:id", async (c) => {
    const { id, version, position, state } = await read(c);
    writeHeaders(c, { version, position });
    return c.json(invoiceView(id, version, state));
  });

  app.get("/:id/pdf", async (c) => {
    const { id, version, position, state } = await read(c);
    const pdf = renderInvoicePdf(state);
    const name = (state.sent?.fakturanummer ?? id).replace(/[^\w-]/g, "_");
    writeHeaders(c, { version, position });
    c.header("Content-Disposition", `inline; filename="faktura-${name}.pdf"`);
    return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/pdf",
    });
  });

  app.post("/:id/lines", async (c) => {
    const id = invoiceId(c);
    const body = await parseBody(c, AddLineBody);
    return await ask(c, id, {
      type: "add_line",
      lineId: await newId(c, `${INVOICE}:${id}:line`),
      beskrivelse: body.beskrivelse,
      antall: String(body.antall),
      enhetspris: body.enhetspris,
      mvaSats: body.mvaSats,
      at: now(),
    }, "invoice.add_line");
  });

  app.delete("/:id/lines/:lineId", async (c) => {
    const id = pathId(c);
    const lineId = pathId(c, "lineId");
    if (!id || !lineId) throw new NotFoundError("No such invoice line");
    return await ask(
      c,
      id,
      { type: "remove_line", lineId, at: now() },
      "invoice.remove_line",
    );
  });

  app.post("/:id/send", async (c) => {
    const id = invoiceId(c);
    await parseOptionalBody(c, SendInvoiceBody);
    const result = await sendInvoice(
      system,
      { id, at: now() },
      askOptions(c, "invoice.send"),
    );
    return reply(c, id, result);
  });

  app.post("/:id/payments", async (c) => {
    const id = invoiceId(c);
    const body = await parseOptionalBody(c, RegisterPaymentBody);
    const result = await registerInvoicePayment(system, {
      id,
      paymentId: await newId(c, `${INVOICE}:${id}:payment`),
      amount: body.amount,
      paidOn: body.paidOn,
      reference: body.reference,
      at: now(),
    }, askOptions(c, "invoice.payment"));
    return reply(c, id, result);
  });

  app.post("/:id/remind", async (c) => {
    const id = invoiceId(c);
    await parseOptionalBody(c, RemindInvoiceBody);
    const result = await remindInvoice(system, { id, at: now() }, {
      ...askOptions(c, "invoice.remind"),
      rates,
    });
    return reply(c, id, result);
  });

  app.post("/:id/cancel", async (c) => {
    const id = invoiceId(c);
    const body = await parseOptionalBody(c, CancelInvoiceBody);
    const result = await cancelInvoice(
      system,
      { id, reason: body.reason, at: now() },
      askOptions(c, "invoice.cancel"),
    );
    return reply(c, id, result);
  });

  app.post("/:id/credit", async (c) => {
    const id = invoiceId(c);
    const body = await parseOptionalBody(c, CreditInvoiceBody);
    const result = await creditInvoice(
      system,
      { id, reason: body.reason, at: now() },
      askOptions(c, "invoice.credit"),
    );
    writeHeaders(c, result.creditNote);
    c.header("Location", `/api/v1/invoices/${result.creditNoteId}`);
    return c.json({
      ...invoiceView(
        result.creditNoteId,
        result.creditNote.version,
        result.creditNote.state,
      ),
      credited: invoiceView(id, result.original.version, result.original.state),
    }, 201);
  });

  return app;
}
