import { InvoiceErrorCode } from "../actors/invoice/types.ts";
import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { DomainError, NotFoundError } from "../runtime/core/mod.ts";
import type { ActorClient } from "../runtime/actor/mod.ts";
import { BEDRIFT, BedriftStatus } from "../actors/bedrift/mod.ts";
import type { BedriftState } from "../actors/bedrift/mod.ts";
import {
  INVOICE,
  invoiceBalance,
  renderInvoicePdf,
} from "../actors/invoice/mod.ts";
import type { InvoiceCommand, InvoiceState } from "../actors/invoice/mod.ts";
import { AddLineBody, DraftInvoiceBody } from "../schemas/mod.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  pathId,
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

/** Routes of `/api/v1/invoices`. */
export function invoiceRoutes(system: ActorClient): Hono {
  const app = new Hono();

  const send = async (
    c: Context,
    id: string,
    command: InvoiceCommand,
    route: string,
    status: 200 | 201 = 200,
  ) => {
    const result = await system.ask<never, InvoiceState>(
      INVOICE,
      id,
      command,
      askOptions(c, route),
    );
    writeHeaders(c, result);
    if (status === 201) c.header("Location", `/api/v1/invoices/${id}`);
    return c.json(invoiceView(id, result.version, result.state), status);
  };

  app.post("/", async (c) => {
    const body = await parseBody(c, DraftInvoiceBody);
    const bedrift = await system.read<BedriftState>(BEDRIFT, body.bedriftId, {
      signal: c.get("signal"),
    });
    if (bedrift.version === 0) {
      throw new DomainError(
        InvoiceErrorCode.UNKNOWN_BEDRIFT,
        "No bedrift with that id",
        {
          status: 422,
        },
      );
    }
    if (bedrift.state.status !== BedriftStatus.AKTIV) {
      throw new DomainError(
        InvoiceErrorCode.BEDRIFT_NOT_ACTIVE,
        `Bedrift is ${bedrift.state.status} and cannot invoice`,
      );
    }
    const id = await newId(c, INVOICE);
    return await send(
      c,
      id,
      {
        type: "draft",
        bedriftId: body.bedriftId,
        kunde: body.kunde,
        at: now(),
      },
      "invoice.draft",
      201,
    );
  });

  app.get("/:id", async (c) => {
    const id = pathId(c);
    if (!id) throw new NotFoundError("No such invoice");
    const { version, position, state } = await system.read<InvoiceState>(
      INVOICE,
      id,
      { signal: c.get("signal") },
    );
    if (version === 0) throw new NotFoundError("No such invoice");
    writeHeaders(c, { version, position });
    return c.json(invoiceView(id, version, state));
  });

  app.get("/:id/pdf", async (c) => {
    const id = pathId(c);
    if (!id) throw new NotFoundError("No such invoice");
    const { version, position, state } = await system.read<InvoiceState>(
      INVOICE,
      id,
      { signal: c.get("signal") },
    );
    if (version === 0) throw new NotFoundError("No such invoice");
    const pdf = renderInvoicePdf(state);
    const name = (state.sent?.fakturanummer ?? id).replace(/[^\w-]/g, "_");
    writeHeaders(c, { version, position });
    c.header("Content-Disposition", `inline; filename="faktura-${name}.pdf"`);
    return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/pdf",
    });
  });

  app.post("/:id/lines", async (c) => {
    const id = pathId(c);
    if (!id) throw new NotFoundError("No such invoice");
    const body = await parseBody(c, AddLineBody);
    return await send(c, id, {
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
    return await send(
      c,
      id,
      { type: "remove_line", lineId, at: now() },
      "invoice.remove_line",
    );
  });

  return app;
}
