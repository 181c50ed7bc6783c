import { Decimal } from "../../deps.ts";
import type { InvoiceState } from "./types.ts";

/** What an invoice asks for and what is paid; money as strings. */
export interface InvoiceBalance {
  /** Gross of the lines. */
  brutto: string;
  /** Reminder fees added. */
  gebyrer: string;
  /** Late-payment interest added on reminders. */
  renter: string;
  betalt: string;
  /** brutto + gebyrer + renter − betalt. */
  utestaende: string;
}

const sum = (values: readonly string[]) =>
  values.reduce((acc, v) => acc.plus(v), new Decimal(0));

/**
 * The balance of an invoice.
 *
 * @example
 * ```ts
 * invoiceBalance(state).utestaende; // "812.50"
 * ```
 */
export function invoiceBalance(state: InvoiceState): InvoiceBalance {
  const brutto = new Decimal(state.totals.brutto);
  const gebyrer = sum(state.reminders.map((r) => r.gebyr));
  const renter = sum(state.reminders.map((r) => r.rente));
  const betalt = sum(state.payments.map((p) => p.amount));
  return {
    brutto: brutto.toFixed(2),
    gebyrer: gebyrer.toFixed(2),
    renter: renter.toFixed(2),
    betalt: betalt.toFixed(2),
    utestaende: brutto.plus(gebyrer).plus(renter).minus(betalt).toFixed(2),
  };
}

/** The part of the gross not yet paid (interest accrues on it). */
export function unpaidPrincipal(state: InvoiceState): string {
  const unpaid = new Decimal(state.totals.brutto).minus(
    sum(state.payments.map((p) => p.amount)),
  );
  return Decimal.max(unpaid, 0).toFixed(2);
}
