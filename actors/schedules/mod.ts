export { registerSchedules, Schedules } from "./cron.ts";
export { reminderDue, runInvoiceReminderJob } from "./invoice_reminders.ts";
export type { JobReport } from "./invoice_reminders.ts";
export { runShiftClosingJob } from "./shift_closing.ts";
