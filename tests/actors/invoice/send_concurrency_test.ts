import assert from "node:assert/strict";
import { registerActors, withDomainUpcasters } from "../../../actors/mod.ts";
import { cancelInvoice, sendInvoice } from "../../../actors/invoice/mod.ts";
import type { InvoiceState } from "../../../actors/invoice/mod.ts";
import type { InvoiceSequenceState } from "../../../actors/invoice_sequence/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import type { EventLog } from "../../../runtime/core/mod.ts";
import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import {
  bedriftWithSettings,
  domainApp,
  draftWithLine,
} from "../../support/domain_app.ts";

const COUNT = 200;
const at = "2025-01-10T09:00:00.000Z";

async function withKvLog(
  fn: (log: EventLog) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tms-seq-" });
  const log = withDomainUpcasters(await KvEventLog.open(`${dir}/events.kv`));
  try {
    await fn(log);
  } finally {
    await log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function assertSeries(numbers: number[], first: number, count: number) {
  const sorted = [...numbers].sort((a, b) => a - b);
  assert.deepEqual(
    sorted,
    Array.from({ length: count }, (_, i) => first + i),
  );
}

Deno.test({
  name:
    `sequence: ${COUNT} invoices of one bedrift sent at once get 1..${COUNT} once each (ActorSystem + KV)`,
  async fn() {
    await withKvLog(async (log) => {
      const system = registerActors(new ActorSystem({ log }));
      try {
        const bedriftId = await bedriftWithSettings(system, "b1", "923609016");
        const ids = Array.from({ length: COUNT }, (_, i) => `inv-${i}`);
        await Promise.all(
          ids.map((id) => draftWithLine(system, id, bedriftId)),
        );
        // Every send twice, at once: the retry must not take a second number.
        const results = await Promise.all(
          [...ids, ...ids].map((id) => sendInvoice(system, { id, at })),
        );
        const numbers = new Map<string, number>();
        for (const [i, result] of results.entries()) {
          const id = ids[i % COUNT];
          const number = result.state.sent!.number;
          assert.equal(numbers.get(id) ?? number, number, `${id} renumbered`);
          numbers.set(id, number);
        }
        assertSeries([...numbers.values()], 1, COUNT);
        const sequence = await system.read<InvoiceSequenceState>(
          "invoice_sequence",
          bedriftId,
        );
        assert.deepEqual(sequence.state.pending, {});
        assert.deepEqual(sequence.state.free, []);
        assert.equal(sequence.state.next, COUNT + 1);
        assert.equal(sequence.state.confirmed, COUNT);

        // The same after a restart from the log.
        await system.shutdown();
        const again = registerActors(new ActorSystem({ log }));
        try {
          const read = await Promise.all(
            ids.map((id) => again.read<InvoiceState>("invoice", id)),
          );
          assertSeries(read.map((r) => r.state.sent!.number), 1, COUNT);
          assert.ok(
            read.every((r) => r.state.sent!.fakturanummer.startsWith("F-")),
          );
        } finally {
          await again.shutdown();
        }
      } finally {
        await system.shutdown();
      }
    });
  },
});

Deno.test({
  name:
    `sequence: ${COUNT} concurrent POST /send through the HTTP edge get numbers from fakturaStartNummer once each`,
  async fn() {
    await withKvLog(async (log) => {
      const t = await domainApp({ log, requestTimeoutMs: 60_000 });
      try {
        const bedriftId = await bedriftWithSettings(
          t.system,
          "b2",
          "974760673",
          { fakturaStartNummer: 5000, fakturaPrefix: "2025-" },
        );
        const ids = Array.from({ length: COUNT }, (_, i) => `web-${i}`);
        await Promise.all(
          ids.map((id) => draftWithLine(t.system, id, bedriftId)),
        );
        const responses = await Promise.all(
          ids.map((id) => t.json("POST", `/api/v1/invoices/${id}/send`)),
        );
        assert.ok(responses.every((r) => r.status === 200));
        assertSeries(responses.map((r) => r.body.number), 5000, COUNT);
        assert.ok(
          responses.every((r) =>
            r.body.fakturanummer === `2025-${r.body.number}`
          ),
        );
        assert.equal(
          new Set(responses.map((r) => r.body.kid)).size,
          COUNT,
          "KIDs are unique",
        );
      } finally {
        await t.close();
      }
    });
  },
});

Deno.test("sequence: a crash between reserving and sending neither skips nor reuses a number", async () => {
  await withKvLog(async (log) => {
    const system = registerActors(new ActorSystem({ log }));
    try {
      const bedriftId = await bedriftWithSettings(system, "b3", "923609016");
      for (const id of ["a", "b", "c"]) {
        await draftWithLine(system, id, bedriftId);
      }
      // "a" reserved its number, then the process died before the send.
      const reserved = await system.ask<never, InvoiceSequenceState>(
        "invoice_sequence",
        bedriftId,
        { type: "reserve", invoiceId: "a", startNummer: 1, at },
      );
      assert.equal(reserved.state.pending.a, 1);
      const b = await sendInvoice(system, { id: "b", at });
      assert.equal(b.state.sent!.number, 2);
      // The retry of "a" gets the number reserved for it.
      const a = await sendInvoice(system, { id: "a", at });
      assert.equal(a.state.sent!.number, 1);
      // "c" reserved, then was cancelled: its number goes to the next invoice.
      await system.ask("invoice_sequence", bedriftId, {
        type: "reserve",
        invoiceId: "c",
        startNummer: 1,
        at,
      });
      await cancelInvoice(system, { id: "c", at });
      await draftWithLine(system, "d", bedriftId);
      const d = await sendInvoice(system, { id: "d", at });
      assert.equal(d.state.sent!.number, 3);
      await draftWithLine(system, "e", bedriftId);
      assert.equal(
        (await sendInvoice(system, { id: "e", at })).state.sent!.number,
        4,
      );
    } finally {
      await system.shutdown();
    }
  });
});
