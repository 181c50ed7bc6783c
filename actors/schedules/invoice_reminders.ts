import { DomainError } from "../../runtime/core/mod.ts";
import type { ActorClient } from "../../runtime/actor/mod.ts";
import {
  DEFAULT_RATES,
  INVOICE,
  InvoiceKind,
  InvoiceStatus,
  reconcileSequence,
  ReminderRules,
  remindInvoice,
} from "../invoice/mod.ts";
import type { DatedRates, InvoiceState } from "../invoice/mod.ts";
import {
  trackedBedrifter,
  trackedItems,
  untrackOpenItem,
} from "../open_items/mod.ts";
import { daysBetween, osloDay } from "../validators/mod.ts";

/** What one run of a job did. */
export interface JobReport {
  /** The Norwegian date the run stands for (its idempotency scope). */
  date: string;
  visited: number;
  /** Commands that changed something in this run. */
  acted: number;
  untracked: number;
  /** Items a rule refused (left for a later run). */
  skipped: number;
  /** Items that failed for another reason (logged, retried next run). */
  failed: number;
}

const CLOSED: readonly (InvoiceStatus | null)[] = [
  InvoiceStatus.BETALT,
  InvoiceStatus.KANSELLERT,
  InvoiceStatus.KREDITERT,
  null,
];

/** True when the invoice's next reminder step is due on `date`. */
export function reminderDue(state: InvoiceState, date: string): boolean {
  if (state.kind !== InvoiceKind.FAKTURA || state.sent === null) return false;
  const open = state.status === InvoiceStatus.SENDT ||
    state.status === InvoiceStatus.DELVIS_BETALT ||
    state.status === InvoiceStatus.PURRET;
  if (!open || date <= state.sent.forfallsdato) return false;
  if (state.reminders.length >= ReminderRules.maxReminders) return false;
  const last = state.reminders.at(-1);
  return !last || daysBetween(last.on, date) >= ReminderRules.minDaysBetween;
}

/**
 * The daily invoice job: for every tracked invoice of every bedrift, raises
 * the reminder step of overdue invoices (the first step marks the invoice
 * overdue as PURRET; later steps follow every 14 days and add the fee), untracks
 * closed ones, and settles each bedrift's pending invoice numbers. Commands carry
 * `job.remind:<date>:<invoiceId>` as their id, and the reminder rules refuse a
 * second step within 14 days, so a repeated run on the same date does nothing.
 * A run that was missed is caught up by the next one.
 */
export async function runInvoiceReminderJob(
  system: ActorClient,
  options: { now?: number; rates?: DatedRates; signal?: AbortSignal } = {},
): Promise<JobReport> {
  const now = options.now ?? Date.now();
  const at = new Date(now).toISOString();
  const date = osloDay(now);
  const { signal } = options;
  const report: JobReport = {
    date,
    visited: 0,
    acted: 0,
    untracked: 0,
    skipped: 0,
    failed: 0,
  };
  for (const bedriftId of await trackedBedrifter(system, { signal })) {
    try {
      await reconcileSequence(system, bedriftId, at, { signal });
    } catch (error) {
      report.failed++;
      console.error(`Invoice job: sequence of ${bedriftId} failed`, error);
    }
    for (
      const invoiceId of await trackedItems(system, bedriftId, "invoice", {
        signal,
      })
    ) {
      signal?.throwIfAborted();
      report.visited++;
      try {
        const { state } = await system.read<InvoiceState>(INVOICE, invoiceId, {
          signal,
        });
        if (
          CLOSED.includes(state.status) || state.kind !== InvoiceKind.FAKTURA
        ) {
          await untrackOpenItem(system, bedriftId, "invoice", invoiceId, at, {
            signal,
          });
          report.untracked++;
          continue;
        }
        if (!reminderDue(state, date)) continue;
        const result = await remindInvoice(system, {
          id: invoiceId,
          on: date,
          at,
        }, {
          rates: options.rates ?? DEFAULT_RATES,
          commandId: `job.remind:${date}:${invoiceId}`,
          signal,
        });
        if (!result.duplicate && result.events.length > 0) report.acted++;
      } catch (error) {
        if (error instanceof DomainError) {
          report.skipped++;
        } else {
          report.failed++;
          console.error(`Invoice job: ${invoiceId} failed`, error);
        }
      }
    }
  }
  return report;
}
