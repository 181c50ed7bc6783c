/**
 * The schema change of `invoice.drafted` (v1 → v2, explicit kunde): an old
 * log written by a fixture — raw appends of v1 events into a real Deno KV
 * log — replays into the same actor state, the same read-model rows and the
 * same history as the log the current code writes.
 */
import assert from "node:assert/strict";
import {
  domainUpcasters,
  registerActors,
  withDomainUpcasters,
} from "../../../actors/mod.ts";
import {
  creditInvoice,
  INVOICE,
  InvoiceEventVersions,
  invoicesProjection,
  invoiceUpcasters,
  remindInvoice,
  sendInvoice,
} from "../../../actors/invoice/mod.ts";
import type {
  InvoiceDrafted,
  InvoiceDraftedV1,
  InvoiceState,
} from "../../../actors/invoice/mod.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { EventUpcasters } from "../../../runtime/core/mod.ts";
import type { Commit, EventLog } from "../../../runtime/core/mod.ts";
import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { ProjectionEngine } from "../../../runtime/projection/mod.ts";
import { bedriftWithSettings } from "../../support/domain_app.ts";
import { dumpTables } from "../../support/read_side.ts";
import { SQL_FIXTURES } from "../../support/sql_stores.ts";

const upcast = (data: InvoiceDraftedV1) =>
  domainUpcasters.upcast({ type: "invoice.drafted", v: 1, data })
    .data as InvoiceDrafted;
const at = "2025-01-10T09:00:00.000Z";

Deno.test("invoice.drafted v1 → v2 (→ v3): a kunde without organisasjonsnummer is PRIVAT, with one BEDRIFT; absent fields are null", () => {
  // v3 seals a PRIVAT kunde's fields in the stored log; its data reads as v2's.
  assert.equal(InvoiceEventVersions["invoice.drafted"], 3);
  assert.equal(domainUpcasters.current("invoice.drafted"), 3);
  assert.deepEqual(upcast({ bedriftId: "b1", kunde: { navn: "Kari" }, at }), {
    bedriftId: "b1",
    kunde: {
      kind: "PRIVAT",
      navn: "Kari",
      epost: null,
      organisasjonsnummer: null,
      kundenummer: null,
    },
    at,
  });
  assert.deepEqual(
    upcast({
      bedriftId: "b1",
      kunde: {
        navn: "Bil AS",
        epost: "post@bil.no",
        organisasjonsnummer: "974760673",
        kundenummer: "42",
      },
      at,
    }),
    {
      bedriftId: "b1",
      kunde: {
        kind: "BEDRIFT",
        navn: "Bil AS",
        epost: "post@bil.no",
        organisasjonsnummer: "974760673",
        kundenummer: "42",
      },
      at,
    },
  );
  // Explicit nulls and empty texts of v1 are "not given" too.
  assert.deepEqual(
    upcast({
      bedriftId: "b1",
      kunde: { navn: "Per", epost: null, organisasjonsnummer: "" },
      at,
    }),
    {
      bedriftId: "b1",
      kunde: {
        kind: "PRIVAT",
        navn: "Per",
        epost: null,
        organisasjonsnummer: null,
        kundenummer: null,
      },
      at,
    },
  );
  // A credit note's draft keeps its reference.
  const kreditnotaFor = { invoiceId: "i1", number: 1, fakturanummer: "F-1" };
  assert.deepEqual(
    upcast({ bedriftId: "b1", kunde: { navn: "Kari" }, at, kreditnotaFor })
      .kreditnotaFor,
    kreditnotaFor,
  );
  // The invoice registry alone is complete (a missing step fails when built).
  new EventUpcasters(InvoiceEventVersions, invoiceUpcasters);
  assert.throws(
    () => new EventUpcasters(InvoiceEventVersions, []),
    /No upcaster of invoice.drafted from v1 to v2/,
  );
});

/** The v2 kunde of a drafted event as v1 wrote it: no kind, absent fields left out. */
function asV1(commit: Commit): Commit {
  return {
    ...commit,
    events: commit.events.map((event) => {
      if (event.type !== "invoice.drafted") return event;
      const data = event.data as { kunde: Record<string, unknown> };
      const { kind: _, ...fields } = data.kunde;
      const kunde = Object.fromEntries(
        Object.entries(fields).filter(([, value]) => value !== null),
      );
      return { type: event.type, v: 1, data: { ...data, kunde } };
    }),
  };
}

/** Appends `commits` as they are, in feed order, into a fresh Deno KV log. */
async function kvLogOf(dir: string, name: string, commits: Commit[]) {
  const log = await KvEventLog.open(`${dir}/${name}.kv`);
  for (const c of commits) {
    await log.append({
      type: c.type,
      id: c.id,
      expectedVersion: c.version - 1,
      commandId: c.commandId,
      events: c.events,
      meta: c.meta,
    });
  }
  return log;
}

async function readAll(log: EventLog): Promise<Commit[]> {
  const all: Commit[] = [];
  for (;;) {
    const page = await log.readFeed(all.at(-1)?.position ?? 0, 500);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

const withoutTimestamps = (commits: Commit[]) =>
  commits.map(({ timestamp: _, ...rest }) => rest);

/**
 * A history the current code writes: a consumer's invoice with lines added
 * and removed, sent; a business customer's, sent and credited (its credit
 * note drafted for the same kunde); a cancelled draft; another business
 * customer's, sent.
 */
async function currentHistory(): Promise<{ commits: Commit[]; ids: string[] }> {
  const log = new MemoryEventLog();
  const system = registerActors(
    new ActorSystem({ log: withDomainUpcasters(log) }),
  );
  try {
    await bedriftWithSettings(system, "b1", "923609016", {
      purregebyr: "70.00",
    });
    const line = (lineId: string, antall: string, mvaSats: number) => ({
      type: "add_line",
      lineId,
      beskrivelse: `Kjøretime ${lineId}`,
      antall,
      enhetspris: "780.00",
      mvaSats,
      at,
    });
    const drafts = [
      ["i1", { navn: "Kari Nordmann", kundenummer: "42" }],
      ["i2", {
        navn: "Bil AS",
        epost: "post@bil.no",
        organisasjonsnummer: "974760673",
      }],
      ["i3", { navn: "Feil", epost: null }],
      ["i4", { navn: "Vogn AS", organisasjonsnummer: "974760673" }],
    ] as const;
    for (const [id, kunde] of drafts) {
      await system.ask(INVOICE, id, {
        type: "draft",
        bedriftId: "b1",
        kunde,
        at,
      });
      await system.ask(INVOICE, id, line("l1", "1.5", 25));
      await system.ask(INVOICE, id, line("l2", "1", 0));
      await system.ask(INVOICE, id, line("l3", "2", 12));
    }
    await system.ask(INVOICE, "i1", { type: "remove_line", lineId: "l2", at });
    await sendInvoice(system, { id: "i1", at });
    await sendInvoice(system, { id: "i2", at });
    await sendInvoice(system, { id: "i4", at });
    await creditInvoice(system, { id: "i2", reason: "Feil pris", at });
    await system.ask(INVOICE, "i3", { type: "cancel", at });
    return { commits: await readAll(log), ids: ["i1", "i2", "i3", "i4"] };
  } finally {
    await system.shutdown();
  }
}

Deno.test("an old log of v1 drafts replays into the same actor state, read-model rows and history as the current log", async () => {
  const { commits, ids } = await currentHistory();
  const old = commits.map(asV1);
  assert.ok(
    old.some((c) => c.events.some((e) => e.type === "invoice.drafted")),
  );
  const dir = await Deno.makeTempDir({ prefix: "tms-upcast-" });
  const v1 = await kvLogOf(dir, "v1", old);
  const v2 = await kvLogOf(dir, "v2", commits);
  const logs = [withDomainUpcasters(v1), withDomainUpcasters(v2)];
  const systems = logs.map((log) => registerActors(new ActorSystem({ log })));
  const fixtures = logs.map(() => SQL_FIXTURES[0]());
  const engines: ProjectionEngine[] = [];
  try {
    // The fixture really is v1 underneath.
    const stored = await v1.readStream(INVOICE, "i2", 0);
    assert.equal(stored[0].events[0].v, 1);
    assert.equal(
      (stored[0].events[0].data as InvoiceDraftedV1).kunde.organisasjonsnummer,
      "974760673",
    );

    // (c) History reads through the decorator show v2, as the new log holds.
    assert.deepEqual(
      withoutTimestamps(await readAll(logs[0])),
      withoutTimestamps(await readAll(v2)),
    );
    for (const id of ids) {
      assert.deepEqual(
        withoutTimestamps(await logs[0].readStream(INVOICE, id, 0)),
        withoutTimestamps(await v2.readStream(INVOICE, id, 0)),
      );
    }

    // (a) The same actor state, whichever log it replays.
    for (const id of ids) {
      const [a, b] = await Promise.all(
        systems.map((s) => s.read<InvoiceState>(INVOICE, id)),
      );
      assert.deepEqual(a, b, id);
    }
    const i2 = await systems[0].read<InvoiceState>(INVOICE, "i2");
    assert.equal(i2.state.kunde.kind, "BEDRIFT");
    assert.equal(i2.state.kreditertAv?.fakturanummer, "F-4");
    const credit = i2.state.kreditertAv!.invoiceId;
    const [noteA, noteB] = await Promise.all(
      systems.map((s) => s.read<InvoiceState>(INVOICE, credit)),
    );
    assert.deepEqual(noteA, noteB);
    assert.equal(noteA.state.kunde.kind, "BEDRIFT");

    // (b) The same rows in the invoices read model.
    const dumps = [];
    for (const [i, log] of logs.entries()) {
      const store = await fixtures[i].open();
      const engine = new ProjectionEngine({
        store,
        log,
        projections: [invoicesProjection],
      });
      engines.push(engine);
      await engine.start();
      await engine.waitFor(await log.headPosition());
      dumps.push(await dumpTables(store, invoicesProjection.tables));
    }
    assert.deepEqual(dumps[0], dumps[1]);
    assert.equal(dumps[0].invoices.length, 5);

    // The consumer rule reads the kind: a reminder on the replayed business
    // invoice pays the bedrift's full fee, the consumer's is capped.
    const remind = (id: string) =>
      remindInvoice(systems[0], {
        id,
        on: "2025-03-01",
        at: "2025-03-01T08:00:00.000Z",
      });
    assert.equal((await remind("i4")).state.reminders[0].gebyr, "70.00");
    assert.equal((await remind("i1")).state.reminders[0].gebyr, "35.00");
  } finally {
    for (const engine of engines) await engine.stop();
    for (const system of systems) await system.shutdown();
    await v1.close();
    await v2.close();
    for (const fixture of fixtures) await fixture.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});
