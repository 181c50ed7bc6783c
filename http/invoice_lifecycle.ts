import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { NotFoundError } from "../runtime/core/mod.ts";
import type { ActorClient, AskResult } from "../runtime/actor/mod.ts";
import {
  cancelInvoice,
  creditInvoice,
  DEFAULT_RATES,
  INVOICE,
  registerInvoicePayment,
  remindInvoice,
  sendInvoice,
} from "../actors/invoice/mod.ts";
import type { DatedRates, InvoiceState } from "../actors/invoice/mod.ts";
import {
  CancelInvoiceBody,
  CreditInvoiceBody,
  RegisterPaymentBody,
  RemindInvoiceBody,
  SendInvoiceBody,
} from "../schemas/mod.ts";
import { invoiceView } from "./invoices.ts";
import {
  askOptions,
  newId,
  now,
  parseOptionalBody,
  pathId,
  writeHeaders,
} from "./write.ts";

function invoiceId(c: Context): string {
  const id = pathId(c);
  if (!id) throw new NotFoundError("No such invoice");
  return id;
}

/**
 * The invoice lifecycle after the draft: `POST /api/v1/invoices/:id/send`,
 * `/payments`, `/remind`, `/cancel`, `/credit`. Mounted next to `invoiceRoutes`.
 */
export function invoiceLifecycleRoutes(
  system: ActorClient,
  options: { rates?: DatedRates } = {},
): Hono {
  const app = new Hono();
  const rates = options.rates ?? DEFAULT_RATES;

  const reply = (
    c: Context,
    id: string,
    result: AskResult<unknown, InvoiceState>,
  ) => {
    writeHeaders(c, result);
    return c.json(invoiceView(id, result.version, result.state));
  };

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
