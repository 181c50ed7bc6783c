/**
 * A driving school's economy for ledger and report tests: an actor system
 * over an in-memory log, a bedrift with invoice settings, and helpers that
 * go through the real flows (send, pay, remind, credit; register, approve,
 * pay an expense) at the dates the test names.
 */
import { registerActors, withDomainUpcasters } from "../../actors/mod.ts";
import { registerBedrift } from "../../actors/bedrift/mod.ts";
import {
  creditInvoice,
  INVOICE,
  registerInvoicePayment,
  remindInvoice,
  sendInvoice,
} from "../../actors/invoice/mod.ts";
import {
  approveExpense,
  EXPENSE,
  payExpense,
  registerExpense,
} from "../../actors/expense/mod.ts";
import { ActorSystem } from "../../runtime/actor/mod.ts";
import type { EventLog } from "../../runtime/core/mod.ts";
import { MemoryEventLog } from "../../runtime/log/memory/mod.ts";
import { KONTONUMMER } from "./domain_app.ts";
import { orgnr } from "./read_side.ts";

/** Noon in Norway on `date` (winter time is enough for March tests). */
export function noon(date: string): string {
  return `${date}T11:00:00.000Z`;
}

/** One invoice line: quantity, unit price excl. MVA, rate. */
export type Line = [antall: string, enhetspris: string, mvaSats: number];

/**
 * A school with its own log and actors; `B` is its bedrift (MVA-registered
 * unless told otherwise, purregebyr 70.00, 14 days to pay, series F-1001…).
 */
export async function school(
  options: { log?: EventLog; mvaRegistrert?: boolean; n?: number } = {},
) {
  const log = withDomainUpcasters(options.log ?? new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  const B = `school-${options.n ?? 1}`;
  await registerBedrift(system, {
    id: B,
    organisasjonsnummer: orgnr(options.n ?? 1),
    details: { navn: "Fjord Trafikkskole AS", postnummer: "5003" },
    at: noon("2025-01-02"),
  });
  await system.ask("bedrift", B, {
    type: "change_invoice_settings",
    changes: {
      kontonummer: KONTONUMMER,
      fakturaPrefix: "F-",
      fakturaStartNummer: 1001,
      forfallsdager: 14,
      purregebyr: "70.00",
      mvaRegistrert: options.mvaRegistrert ?? true,
    },
    at: noon("2025-01-02"),
  });
  let invoices = 0;
  let expenses = 0;
  return {
    log,
    system,
    B,
    /** Drafts and sends an invoice on `date`; a kunde with an orgnr is a business. */
    async invoice(
      date: string,
      lines: Line[],
      kunde: Record<string, unknown> = { navn: "Kari Nordmann" },
    ): Promise<string> {
      const id = `inv-${++invoices}`;
      await system.ask(INVOICE, id, {
        type: "draft",
        bedriftId: B,
        kunde,
        at: noon(date),
      });
      for (const [i, [antall, enhetspris, mvaSats]] of lines.entries()) {
        await system.ask(INVOICE, id, {
          type: "add_line",
          lineId: `l${i}`,
          beskrivelse: `Linje ${i + 1}`,
          antall,
          enhetspris,
          mvaSats,
          at: noon(date),
        });
      }
      await sendInvoice(system, { id, at: noon(date) });
      return id;
    },
    async pay(id: string, amount: string, paidOn: string) {
      return await registerInvoicePayment(system, {
        id,
        paymentId: `${id}-${paidOn}-${amount}`,
        amount,
        paidOn,
        at: noon(paidOn),
      });
    },
    async remind(id: string, on: string) {
      return await remindInvoice(system, { id, on, at: noon(on) });
    },
    async credit(id: string, date: string) {
      return await creditInvoice(system, { id, at: noon(date) });
    },
    /** Registers an expense and, unless told otherwise, approves it (and pays it). */
    async expense(
      input: {
        kategori: string;
        belop: string;
        mvaSats: number;
        dato: string;
        leverandor?: string;
      },
      then: { approve?: boolean; paidOn?: string } = { approve: true },
    ): Promise<string> {
      const id = `exp-${++expenses}`;
      await registerExpense(system, {
        id,
        bedriftId: B,
        leverandor: { navn: input.leverandor ?? "Leverandør AS" },
        dato: input.dato,
        belop: input.belop,
        mvaSats: input.mvaSats,
        kategori: input.kategori,
        at: noon(input.dato),
      });
      if (then.approve !== false) {
        await approveExpense(system, { id, at: noon(input.dato) });
      }
      if (then.paidOn) {
        await payExpense(system, {
          id,
          paidOn: then.paidOn,
          at: noon(then.paidOn),
        });
      }
      return id;
    },
    async rejectExpense(id: string, date: string) {
      return await system.ask(EXPENSE, id, {
        type: "reject",
        at: noon(date),
      });
    },
    close: () => system.shutdown(),
  };
}
