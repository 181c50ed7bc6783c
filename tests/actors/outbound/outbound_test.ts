/**
 * The outbound mapping: given a decider's commits, then the integration
 * events numbered as the relay numbers them followed by the realtime-only
 * messages (each valid against its schema, no personal data), with their
 * audience, as structured CloudEvents; origins read from the log when the
 * first commit was not seen.
 */
import assert from "node:assert/strict";
import { employeeDecider } from "../../../actors/employee/decider.ts";
import type { EmployeeCommand } from "../../../actors/employee/types.ts";
import { invoiceDecider } from "../../../actors/invoice/decider.ts";
import type { InvoiceCommand } from "../../../actors/invoice/types.ts";
import { toIntegrationEvents } from "../../../actors/integration/mod.ts";
import {
  OriginCache,
  outboundEvents,
  OutboundMapper,
} from "../../../actors/outbound/mod.ts";
import type { OutboundEvent } from "../../../actors/outbound/mod.ts";
import { withDomainUpcasters } from "../../../actors/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import type { Commit } from "../../../runtime/core/mod.ts";
import { REALTIME_CATALOGUE } from "../../../schemas/realtime.ts";
import { Feed } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const at = "2025-03-03T08:00:00.000Z";

const hire: EmployeeCommand = {
  type: "hire",
  id: "e1",
  bedriftId: "b1",
  ansattnummer: "1001",
  fornavn: "Kari",
  etternavn: "Nordmann",
  epost: "kari@example.no",
  telefon: "+4791234567",
  role: "TRAFIKKLARER",
  licenceClasses: ["B"],
  stillingsprosent: 80,
  startDate: "2025-01-06",
  at: "2025-01-06T08:00:00.000Z",
};

const invoiceCommands: InvoiceCommand[] = [
  { type: "draft", bedriftId: "b1", kunde: { navn: "Ola Nordmann" }, at },
  {
    type: "add_line",
    lineId: "l1",
    beskrivelse: "Kjøretime",
    antall: "1",
    enhetspris: "650.00",
    mvaSats: 25,
    at,
  },
  {
    type: "send",
    number: 7,
    fakturanummer: "F-7",
    kid: "0000000075",
    kidAlgoritme: "MOD10",
    fakturadato: "2025-03-03",
    forfallsdato: "2025-03-17",
    selger: {
      navn: "Oslo Trafikkskole AS",
      organisasjonsnummer: "923609016",
      mvaRegistrert: true,
      kontonummer: "86011117947",
      adresse: null,
      postnummer: "0150",
      poststed: "Oslo",
    },
    at,
  },
  {
    type: "register_payment",
    paymentId: "p1",
    amount: "812.50",
    paidOn: "2025-03-04",
    reference: "Ola",
    at,
  },
];

function assertValid(event: OutboundEvent) {
  if (!event.realtimeOnly) return;
  const spec = REALTIME_CATALOGUE.find((s) => s.type === event.type);
  assert.ok(spec, event.type);
  spec.schema.parse(event.data);
  assert.equal(event.subject, event.data[spec.subjectField]);
  assert.equal(event.tenant, event.data.bedriftId);
}

Deno.test("outbound: given an employee hired, clocked in and out, then hired (integration) and the clock events (realtime-only) for the employee's own user", async () => {
  const feed = new Feed();
  const commits = history(employeeDecider, [
    hire,
    { type: "clock_in", shiftId: "s1", at: "2025-03-03T07:00:00+01:00" },
    { type: "clock_out", at: "2025-03-03T15:00:00+01:00" },
  ]).map((events) => feed.commit("employee", "e1", events));
  const cache = new OriginCache(new MemoryEventLog());
  const mapped: OutboundEvent[][] = [];
  for (const commit of commits) {
    cache.observe(commit);
    mapped.push(outboundEvents(commit, await cache.originFor(commit)));
  }
  assert.deepEqual(mapped.map((m) => m.map((e) => [e.id, e.type])), [
    [["1-0", "no.tms.employee.hired.v1"]],
    [["2-0", "no.tms.employee.clocked_in.v1"]],
    [["3-0", "no.tms.employee.clocked_out.v1"]],
  ]);
  assert.deepEqual(mapped[1][0].data, {
    employeeId: "e1",
    bedriftId: "b1",
    shiftId: "s1",
    clockedInAt: "2025-03-03T07:00:00+01:00",
  });
  assert.equal(mapped[2][0].data.durationMinutes, 480);
  for (const events of mapped) events.forEach(assertValid);
  assert.equal(mapped[1][0].realtimeOnly, true);
  assert.equal(mapped[0][0].realtimeOnly, false);
  const text = JSON.stringify(mapped);
  for (const secret of ["Kari", "Nordmann", "kari@", "91234567"]) {
    assert.ok(!text.includes(secret), secret);
  }
});

Deno.test("outbound: given an invoice drafted, sent and paid in full, then the integration events first (numbered as the relay numbers them), the status update last", async () => {
  const feed = new Feed();
  const commits = history(invoiceDecider, invoiceCommands).map((events) =>
    feed.commit("invoice", "i1", events)
  );
  const cache = new OriginCache(new MemoryEventLog());
  const mapped: OutboundEvent[][] = [];
  for (const commit of commits) {
    cache.observe(commit);
    const origin = await cache.originFor(commit);
    const events = outboundEvents(commit, origin);
    // The integration events keep the relay's indexes.
    toIntegrationEvents(commit, origin).forEach((e, i) => {
      assert.equal(events[i].type, e.type);
      assert.equal(events[i].index, i);
    });
    mapped.push(events);
  }
  assert.deepEqual(mapped.map((m) => m.map((e) => e.type)), [
    ["no.tms.invoice.status_updated.v1"],
    [],
    ["no.tms.invoice.sent.v1", "no.tms.invoice.status_updated.v1"],
    [
      "no.tms.invoice.payment_registered.v1",
      "no.tms.invoice.paid.v1",
      "no.tms.invoice.status_updated.v1",
    ],
  ]);
  assert.deepEqual(mapped[0][0].data, {
    invoiceId: "i1",
    bedriftId: "b1",
    change: "drafted",
    status: "UTKAST",
    at,
  });
  assert.equal(mapped[3][2].id, "4-2");
  assert.equal(mapped[3][2].data.status, "BETALT");
  for (const events of mapped) events.forEach(assertValid);
  assert.ok(!JSON.stringify(mapped).includes("Ola"));
});

Deno.test("outbound: the mapper reads a stream's first commit from the log once, and gives each message its audience and CloudEvent", async () => {
  const log = withDomainUpcasters(new MemoryEventLog());
  const commits: Commit[] = [];
  for (
    const [version, events] of history(invoiceDecider, invoiceCommands)
      .entries()
  ) {
    const result = await log.append({
      type: "invoice",
      id: "i1",
      expectedVersion: version,
      commandId: `c${version}`,
      events,
    });
    commits.push((await log.readFeed(result.position - 1, 1))[0]);
  }
  // A node that started after the draft: the first commit is read back.
  const mapper = new OutboundMapper({ log, source: "/tms/test" });
  const messages = await mapper.map(commits.slice(2));
  assert.equal(mapper.origins.reads, 1);
  assert.deepEqual(messages.map((m) => m.id), [
    "3-0",
    "3-1",
    "4-0",
    "4-1",
    "4-2",
  ]);
  const sent = JSON.parse(messages[0].body);
  assert.deepEqual(Object.keys(sent).sort(), [
    "bedriftid",
    "data",
    "datacontenttype",
    "id",
    "source",
    "specversion",
    "subject",
    "time",
    "tmscommittedat",
    "type",
  ]);
  assert.equal(sent.specversion, "1.0");
  assert.equal(sent.id, "3-0");
  assert.equal(sent.source, "/tms/test");
  assert.equal(sent.subject, "i1");
  assert.equal(sent.bedriftid, "b1");
  assert.equal(
    sent.tmscommittedat,
    new Date(commits[2].timestamp).toISOString(),
  );
  assert.deepEqual(messages[0].audience, {
    tenant: "b1",
    roles: ["ADMIN", "HOVEDBRUKER", "OKONOMI"],
    users: [],
    employees: [],
  });
  assert.equal(messages[0].integration, true);
  assert.equal(messages[1].integration, false);
  // Seen once, remembered.
  await mapper.map(commits.slice(3));
  assert.equal(mapper.origins.reads, 1);
});
