import assert from "node:assert/strict";
import { registerActors, withDomainUpcasters } from "../../../actors/mod.ts";
import { hireEmployee } from "../../../actors/employee/mod.ts";
import type { EmployeeState } from "../../../actors/employee/mod.ts";
import {
  registerInvoicePayment,
  sendInvoice,
} from "../../../actors/invoice/mod.ts";
import type { InvoiceState } from "../../../actors/invoice/mod.ts";
import type { InvoiceSequenceState } from "../../../actors/invoice_sequence/mod.ts";
import { trackedItems, trackOpenItem } from "../../../actors/open_items/mod.ts";
import {
  reminderDue,
  runInvoiceReminderJob,
  runShiftClosingJob,
} from "../../../actors/schedules/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { MemoryKeyStore } from "../../../runtime/storage/mod.ts";
import {
  bedriftWithSettings,
  draftWithLine,
} from "../../support/domain_app.ts";

const sentAt = "2025-01-10T09:00:00.000Z"; // due 2025-01-24

async function withSystem(fn: (system: ActorSystem) => Promise<void>) {
  const log = withDomainUpcasters(new MemoryEventLog());
  const system = registerActors(new ActorSystem({ log }));
  try {
    await fn(system);
  } finally {
    await system.shutdown();
    await log.close();
  }
}

const readInvoice = async (system: ActorSystem, id: string) =>
  (await system.read<InvoiceState>("invoice", id)).state;

Deno.test("invoice job: overdue invoices get the next reminder step; a repeated run does nothing", async () => {
  await withSystem(async (system) => {
    const bedriftId = await bedriftWithSettings(system, "b1", "923609016", {
      purregebyr: "70.00",
    });
    for (const id of ["due", "paid", "fresh"]) {
      await draftWithLine(system, id, bedriftId);
    }
    await sendInvoice(system, { id: "due", at: sentAt });
    await sendInvoice(system, { id: "paid", at: sentAt });
    await sendInvoice(system, { id: "fresh", at: "2025-01-20T09:00:00Z" });
    await registerInvoicePayment(system, {
      id: "paid",
      paymentId: "p1",
      amount: "812.50",
      at: "2025-01-21T09:00:00Z",
    });

    const dayAfterDue = Date.parse("2025-01-25T05:00:00Z");
    const first = await runInvoiceReminderJob(system, { now: dayAfterDue });
    assert.deepEqual(first, {
      date: "2025-01-25",
      visited: 2,
      acted: 1,
      untracked: 0,
      skipped: 0,
      failed: 0,
    });
    let due = await readInvoice(system, "due");
    assert.equal(due.status, "PURRET");
    assert.equal(due.reminders.length, 1);
    assert.equal(due.reminders[0].gebyr, "0.00");

    const again = await runInvoiceReminderJob(system, {
      now: dayAfterDue + 3_600_000,
    });
    assert.equal(again.acted, 0);
    assert.equal((await readInvoice(system, "due")).reminders.length, 1);

    // 14 days later: the next step, now with the (consumer-capped) fee.
    const later = await runInvoiceReminderJob(system, {
      now: Date.parse("2025-02-08T05:00:00Z"),
    });
    assert.equal(later.acted, 2); // "due" step 2, "fresh" (due 02-03) step 1
    due = await readInvoice(system, "due");
    assert.deepEqual(due.reminders.map((r) => r.gebyr), ["0.00", "35.00"]);
    assert.equal(reminderDue(due, "2025-02-09"), false);
    assert.equal(reminderDue(due, "2025-02-22"), true);
  });
});

Deno.test("invoice job: closed invoices are untracked; interrupted numbers are settled", async () => {
  await withSystem(async (system) => {
    const bedriftId = await bedriftWithSettings(system, "b1", "923609016");
    for (const id of ["a", "b", "c"]) {
      await draftWithLine(system, id, bedriftId);
    }
    await sendInvoice(system, { id: "a", at: sentAt });
    await registerInvoicePayment(system, {
      id: "a",
      paymentId: "p1",
      amount: "812.50",
      at: sentAt,
    });
    // "b" reserved a number, then its process died; then it was cancelled
    // by someone who did not release (an old node, say).
    await trackOpenItem(system, bedriftId, "invoice", "b", sentAt);
    await system.ask("invoice_sequence", bedriftId, {
      type: "reserve",
      invoiceId: "b",
      startNummer: 1,
      at: sentAt,
    });
    await system.ask("invoice", "b", { type: "cancel", at: sentAt });
    // "c" was sent but the confirmation was lost.
    const c = await system.ask<never, InvoiceSequenceState>(
      "invoice_sequence",
      bedriftId,
      { type: "reserve", invoiceId: "c", startNummer: 1, at: sentAt },
    );
    assert.equal(c.state.pending.c, 3);
    await sendInvoice(system, { id: "c", at: sentAt });

    const report = await runInvoiceReminderJob(system, {
      now: Date.parse("2025-01-11T05:00:00Z"),
    });
    // "a" was untracked when it was paid; the job untracks the cancelled "b".
    assert.equal(report.untracked, 1);
    assert.deepEqual(await trackedItems(system, bedriftId, "invoice"), ["c"]);
    const sequence = await system.read<InvoiceSequenceState>(
      "invoice_sequence",
      bedriftId,
    );
    assert.deepEqual(sequence.state.pending, {});
    assert.deepEqual(sequence.state.free, [2]);
    await draftWithLine(system, "d", bedriftId);
    const d = await sendInvoice(system, { id: "d", at: sentAt });
    assert.equal(d.state.sent!.number, 2);
  });
});

Deno.test("shift job: shifts open past midnight are closed at midnight, flagged; a repeated run does nothing", async () => {
  await withSystem(async (system) => {
    const keys = new MemoryKeyStore();
    const bedriftId = await bedriftWithSettings(system, "b1", "923609016");
    const hired = (id: string, ansattnummer: string) =>
      hireEmployee(system, keys, {
        id,
        bedriftId,
        ansattnummer,
        fornavn: "Kari",
        etternavn: "Nordmann",
        epost: "kari@example.no",
        role: "TRAFIKKLARER",
        stillingsprosent: 100,
        startDate: "2025-01-06",
        at: "2025-01-02T09:00:00Z",
      });
    const clockIn = async (id: string, at: string) => {
      await trackOpenItem(system, bedriftId, "employee", id, at);
      await system.ask("employee", id, {
        type: "clock_in",
        shiftId: `s-${at}`,
        at,
      });
    };
    await hired("late", "1");
    await hired("night", "2");
    await hired("gone", "3");
    await hired("idle", "4");
    await clockIn("late", "2025-03-03T08:00:00+01:00");
    await clockIn("night", "2025-03-04T00:10:00+01:00");
    await trackOpenItem(
      system,
      bedriftId,
      "employee",
      "gone",
      "2025-03-01T00:00:00Z",
    );
    await system.ask("employee", "gone", {
      type: "terminate",
      endDate: "2025-03-01",
      at: "2025-03-01T10:00:00Z",
    });
    await trackOpenItem(
      system,
      bedriftId,
      "employee",
      "idle",
      "2025-03-01T00:00:00Z",
    );

    const now = Date.parse("2025-03-04T00:30:00Z");
    const report = await runShiftClosingJob(system, { now });
    assert.deepEqual(report, {
      date: "2025-03-04",
      cutoff: "2025-03-03T23:00:00.000Z",
      visited: 4,
      acted: 1,
      untracked: 1,
      skipped: 0,
      failed: 0,
    });
    const late = await system.read<EmployeeState>("employee", "late");
    assert.equal(late.state!.openShift, null);
    assert.equal(late.state!.lastClockedOutAt, "2025-03-03T23:00:00.000Z");
    const commits = await system.log.readStream("employee", "late", 0);
    const closed = commits.at(-1)!;
    assert.equal(closed.commandId, "job.close_shift:2025-03-04:late");
    assert.deepEqual(
      (closed.events[0].data as { flags: string[] }).flags,
      ["AUTO_CLOSED", "OVER_13_HOURS"],
    );
    const night = await system.read<EmployeeState>("employee", "night");
    assert.notEqual(night.state!.openShift, null);

    const again = await runShiftClosingJob(system, { now: now + 60_000 });
    assert.equal(again.acted, 0);
    assert.equal(
      (await system.log.readStream("employee", "late", 0)).length,
      commits.length,
    );
    assert.deepEqual(
      (await trackedItems(system, bedriftId, "employee")).sort(),
      ["idle", "late", "night"],
    );
  });
});
