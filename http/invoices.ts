/**
 * `/api/v<n>/invoices`: drafts and lines, the lifecycle after the draft
 * (send, payments, reminders, cancel, credit), the PDF of a sent invoice,
 * reads now or as of a version or instant, the commit history, and the list
 * from the `invoices` read model.
 */
import type { Context, z } from "../deps.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import {
  cancelInvoice,
  creditInvoice,
  DEFAULT_RATES,
  draftInvoice,
  INVOICE,
  invoiceBalance,
  INVOICES_PROJECTION,
  kundeSubject,
  listInvoices,
  registerInvoicePayment,
  remindInvoice,
  renderInvoicePdf,
  sendInvoice,
} from "../actors/invoice/mod.ts";
import type {
  InvoiceCommand,
  InvoiceListItem,
  InvoiceState,
} from "../actors/invoice/mod.ts";
import {
  AddLineBody,
  CancelInvoiceBody,
  CreditInvoiceBody,
  CreditNoteView,
  DraftInvoiceBody,
  InvoiceListItemView,
  InvoicesQuery,
  InvoiceView,
  RegisterPaymentBody,
  RemindInvoiceBody,
  SendInvoiceBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { apiBase, page, reply, resource } from "./representation.ts";
import {
  COMMAND_PROBLEMS,
  CREATE_PROBLEMS,
  CREATED,
  READ_PROBLEMS,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { AsOfQuery, AsOfView, historyRoute, readResource } from "./history.ts";
import { auditPersonalRead } from "./access_log.ts";
import { askOptions, newId, now, requireId, writeHeaders } from "./write.ts";

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
    kunde: { ...state.kunde, subjectId: kundeSubject(id, state) },
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

type InvoiceBody = ReturnType<typeof invoiceView> & {
  asOf?: z.output<typeof AsOfView>;
};

function invoiceLinks(i: InvoiceBody, c: Context) {
  const api = apiBase(c);
  return {
    self: `${api}/invoices/${i.id}`,
    history: `${api}/invoices/${i.id}/history`,
    bedrift: `${api}/bedrifter/${i.bedriftId}`,
    pdf: i.number !== null ? `${api}/invoices/${i.id}/pdf` : null,
    creditNote: i.kreditertAv
      ? `${api}/invoices/${i.kreditertAv.invoiceId}`
      : null,
    credits: i.kreditnotaFor
      ? `${api}/invoices/${i.kreditnotaFor.invoiceId}`
      : null,
  };
}

/** An invoice in each version. */
export const InvoiceRep = resource<InvoiceBody>(
  "Invoice",
  InvoiceView.extend({ asOf: AsOfView.optional() }),
  invoiceLinks,
);

/** The answer of crediting: the credit note with the credited original. */
export const CreditNoteRep = resource<InvoiceBody & { credited: InvoiceBody }>(
  "CreditNote",
  CreditNoteView,
  invoiceLinks,
);

/** A page of `GET /invoices`. */
export const InvoicePage = page(
  "InvoicePage",
  resource<InvoiceListItem>(
    "InvoiceListItem",
    InvoiceListItemView,
    (i, c) => ({
      self: `${apiBase(c)}/invoices/${i.id}`,
      bedrift: `${apiBase(c)}/bedrifter/${i.bedriftId}`,
    }),
  ),
);

/** Routes of `/api/v<n>/invoices`. */
export function invoiceRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const rates = deps.rates ?? DEFAULT_RATES;
  const group = new RouteGroup({
    tag: "Invoices",
    description:
      "Invoices and credit notes: drafts, lines, sending (numbered from the bedrift's gap-free series), payments, reminders, PDFs",
    base: "/invoices",
    versioned: true,
  });

  const answer = (
    c: Context,
    id: string,
    result: AskResult<unknown, InvoiceState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    if (status === 201) c.header("Location", `${apiBase(c)}/invoices/${id}`);
    return reply(
      c,
      InvoiceRep,
      invoiceView(id, result.version, result.state),
      status,
    );
  };

  const ask = async (
    c: Context,
    id: string,
    command: InvoiceCommand,
    route: string,
  ) =>
    answer(
      c,
      id,
      await system.ask<never, InvoiceState>(
        INVOICE,
        id,
        command,
        askOptions(c, route),
      ),
    );

  /** A platform ADMIN reading a person's name on an invoice is logged. */
  const auditKunde = (c: Context, id: string, state: InvoiceState) =>
    auditPersonalRead(c, system, [
      state.kunde.navn === null ? null : kundeSubject(id, state),
    ]);

  const read = (c: Context, asOf?: string) =>
    readResource<InvoiceState>(
      c,
      { system: deps.system, client: system },
      INVOICE,
      requireId(c, "invoice"),
      asOf,
      "invoice",
    );

  const command = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: { schema: B; optional?: boolean },
    run: (c: Context, id: string, body: z.output<B>) => Promise<Response>,
    description?: string,
  ) =>
    group.route({
      method: "post",
      path,
      operationId,
      summary,
      description,
      request: { body, headers: WRITE_HEADERS },
      responses: {
        200: {
          description: "The invoice after the command",
          body: InvoiceRep,
          headers: WRITTEN,
        },
      },
      problems: COMMAND_PROBLEMS,
    }, (c, input) => run(c, requireId(c, "invoice"), input.body));

  listRoute(group, deps.readSide, {
    operationId: "listInvoices",
    summary: "List invoices (by bedrift, status, kunde, date)",
    rep: InvoicePage,
    projection: INVOICES_PROJECTION,
    query: InvoicesQuery,
    list: listInvoices,
    audit: {
      client: system,
      subjects: (items) =>
        items.map((i) => i.kunde.navn === null ? null : i.kunde.subjectId),
    },
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "draftInvoice",
    summary: "Draft an invoice (UTKAST) for a kunde",
    request: { body: { schema: DraftInvoiceBody }, headers: WRITE_HEADERS },
    responses: {
      201: { description: "The draft", body: InvoiceRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const id = await newId(c, INVOICE);
    const result = await draftInvoice(system, {
      id,
      bedriftId: body.bedriftId,
      kunde: body.kunde,
      at: now(),
    }, askOptions(c, "invoice.draft"));
    return answer(c, id, result, 201);
  });

  group.route({
    method: "get",
    path: "/:id",
    operationId: "getInvoice",
    summary: "Read an invoice, now or as of a version or instant",
    request: { query: AsOfQuery },
    responses: {
      200: {
        description: "The invoice",
        body: InvoiceRep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const result = await read(c, query.asOf);
    await auditKunde(c, c.req.param("id")!, result.state);
    writeHeaders(c, result);
    return reply(c, InvoiceRep, {
      ...invoiceView(c.req.param("id")!, result.version, result.state),
      ...(result.asOf ? { asOf: result.asOf } : {}),
    });
  });

  historyRoute(group, deps, {
    type: INVOICE,
    what: "invoice",
    operationId: "getInvoiceHistory",
  });

  group.route({
    method: "get",
    path: "/:id/pdf",
    operationId: "getInvoicePdf",
    summary: "The PDF of a sent invoice or credit note",
    responses: {
      200: {
        description: "An A4 PDF; the same invoice always gives the same bytes",
        content: {
          "application/pdf": { schema: { type: "string", format: "binary" } },
        },
        headers: ["ETag", "X-TMS-Position", "Content-Disposition"],
      },
    },
    problems: [...READ_PROBLEMS, 409],
  }, async (c) => {
    const { version, position, state } = await read(c);
    const id = c.req.param("id")!;
    const pdf = renderInvoicePdf(state);
    await auditKunde(c, id, state);
    const name = (state.sent?.fakturanummer ?? id).replace(/[^\w-]/g, "_");
    writeHeaders(c, { version, position });
    c.header("Content-Disposition", `inline; filename="faktura-${name}.pdf"`);
    return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/pdf",
    });
  });

  command(
    "/:id/lines",
    "addInvoiceLine",
    "Add a line to a draft",
    { schema: AddLineBody },
    async (c, id, body) =>
      await ask(c, id, {
        type: "add_line",
        lineId: await newId(c, `${INVOICE}:${id}:line`),
        beskrivelse: body.beskrivelse,
        antall: String(body.antall),
        enhetspris: body.enhetspris,
        mvaSats: body.mvaSats,
        at: now(),
      }, "invoice.add_line"),
  );

  group.route({
    method: "delete",
    path: "/:id/lines/:lineId",
    operationId: "removeInvoiceLine",
    summary: "Remove a line from a draft",
    request: {
      headers: WRITE_HEADERS,
      params: { lineId: "The line's id (`lineId` of the invoice's lines)" },
    },
    responses: {
      200: {
        description: "The invoice after the command",
        body: InvoiceRep,
        headers: WRITTEN,
      },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c) => {
    const id = requireId(c, "invoice line");
    const lineId = requireId(c, "invoice line", "lineId");
    return await ask(
      c,
      id,
      { type: "remove_line", lineId, at: now() },
      "invoice.remove_line",
    );
  });

  command(
    "/:id/send",
    "sendInvoice",
    "Send a draft: number, KID, invoice and due dates",
    { schema: SendInvoiceBody, optional: true },
    async (c, id) =>
      answer(
        c,
        id,
        await sendInvoice(
          system,
          { id, at: now() },
          askOptions(c, "invoice.send"),
        ),
      ),
  );

  command(
    "/:id/payments",
    "registerInvoicePayment",
    "Register a payment (DELVIS_BETALT, BETALT); over-payment is refused",
    { schema: RegisterPaymentBody },
    async (c, id, body) =>
      answer(
        c,
        id,
        await registerInvoicePayment(system, {
          id,
          paymentId: await newId(c, `${INVOICE}:${id}:payment`),
          amount: body.amount,
          paidOn: body.paidOn,
          reference: body.reference,
          at: now(),
        }, askOptions(c, "invoice.payment")),
      ),
  );

  command(
    "/:id/remind",
    "remindInvoice",
    "Send the next reminder of an overdue invoice (fee and interest)",
    { schema: RemindInvoiceBody, optional: true },
    async (c, id) =>
      answer(
        c,
        id,
        await remindInvoice(system, { id, at: now() }, {
          ...askOptions(c, "invoice.remind"),
          rates,
        }),
      ),
  );

  command(
    "/:id/cancel",
    "cancelInvoice",
    "Cancel a draft (KANSELLERT)",
    { schema: CancelInvoiceBody, optional: true },
    async (c, id, body) =>
      answer(
        c,
        id,
        await cancelInvoice(
          system,
          { id, reason: body.reason, at: now() },
          askOptions(c, "invoice.cancel"),
        ),
      ),
  );

  group.route({
    method: "post",
    path: "/:id/credit",
    operationId: "creditInvoice",
    summary: "Credit a sent invoice in full with a credit note (kreditnota)",
    request: {
      body: { schema: CreditInvoiceBody, optional: true },
      headers: WRITE_HEADERS,
    },
    responses: {
      201: {
        description: "The credit note, with the credited original",
        body: CreditNoteRep,
        headers: CREATED,
      },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "invoice");
    const result = await creditInvoice(
      system,
      { id, reason: body.reason, at: now() },
      askOptions(c, "invoice.credit"),
    );
    writeHeaders(c, result.creditNote);
    c.header("Location", `${apiBase(c)}/invoices/${result.creditNoteId}`);
    return reply(c, CreditNoteRep, {
      ...invoiceView(
        result.creditNoteId,
        result.creditNote.version,
        result.creditNote.state,
      ),
      credited: invoiceView(id, result.original.version, result.original.state),
    }, 201);
  });

  return group;
}
