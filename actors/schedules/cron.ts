import type { ActorClient } from "../../runtime/actor/mod.ts";
import type { DatedRates } from "../invoice/mod.ts";
import { runInvoiceReminderJob } from "./invoice_reminders.ts";
import { runShiftClosingJob } from "./shift_closing.ts";

/** Names and UTC schedules of the durable jobs. */
export const Schedules = {
  /** 05:00 UTC: 06:00 or 07:00 in Norway, before the office opens. */
  invoiceReminders: { name: "tms-invoice-reminders", cron: "0 5 * * *" },
  /** 00:30 UTC: after midnight in Norway in winter and in summer. */
  closeOpenShifts: { name: "tms-close-open-shifts", cron: "30 0 * * *" },
} as const;

/**
 * Registers the jobs on `Deno.cron` (retried with backoff when a run throws);
 * aborting `signal` unregisters them. Each job is idempotent per date, so a
 * retried or repeated run has no duplicate effect.
 */
export function registerSchedules(
  system: ActorClient,
  options: { rates?: DatedRates; signal?: AbortSignal } = {},
): Promise<void>[] {
  const cronOptions = {
    backoffSchedule: [60_000, 5 * 60_000, 30 * 60_000],
    signal: options.signal,
  };
  const log = (name: string, report: object) =>
    console.log(`${name}: ${JSON.stringify(report)}`);
  return [
    Deno.cron(
      Schedules.invoiceReminders.name,
      Schedules.invoiceReminders.cron,
      cronOptions,
      async () => {
        const report = await runInvoiceReminderJob(system, {
          rates: options.rates,
        });
        log(Schedules.invoiceReminders.name, report);
        if (report.failed > 0) throw new Error(`${report.failed} items failed`);
      },
    ),
    Deno.cron(
      Schedules.closeOpenShifts.name,
      Schedules.closeOpenShifts.cron,
      cronOptions,
      async () => {
        const report = await runShiftClosingJob(system);
        log(Schedules.closeOpenShifts.name, report);
        if (report.failed > 0) throw new Error(`${report.failed} items failed`);
      },
    ),
  ];
}
