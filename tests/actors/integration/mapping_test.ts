import assert from "node:assert/strict";
import { bedriftDecider } from "../../../actors/bedrift/mod.ts";
import { employeeDecider } from "../../../actors/employee/decider.ts";
import type { EmployeeCommand } from "../../../actors/employee/types.ts";
import { DEFAULT_RATES } from "../../../actors/invoice/dated_rates.ts";
import { invoiceDecider } from "../../../actors/invoice/decider.ts";
import { expenseDecider } from "../../../actors/expense/decider.ts";
import { budgetDecider } from "../../../actors/budget/decider.ts";
import type {
  InvoiceCommand,
  InvoiceReference,
  Selger,
} from "../../../actors/invoice/types.ts";
import { kontrollDecider } from "../../../actors/kontroll/mod.ts";
import type { KontrollCommand } from "../../../actors/kontroll/types.ts";
import {
  INTEGRATION_MAPPINGS,
  integrationMapper,
  MissingOriginError,
  streamOrigin,
  toIntegrationEvents,
} from "../../../actors/integration/mod.ts";
import type { StreamOrigin } from "../../../actors/integration/mod.ts";
import { EVENT_VERSIONS } from "../../../actors/mod.ts";
import type {
  Commit,
  Decider,
  DomainEvent,
} from "../../../runtime/core/mod.ts";
import type { IntegrationEvent } from "../../../runtime/relay/mod.ts";
import {
  INTEGRATION_CATALOGUE,
  integrationEventSpec,
} from "../../../schemas/integration/mod.ts";
import { Feed } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

/**
 * Given the commits a decider made of some commands, when each is mapped
 * (with its stream's origin, as the relay remembers it), then these
 * integration events — each valid against its catalogue schema.
 */
function integrationSpec<C, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  type: string,
  id: string,
) {
  return {
    given(commands: C[]) {
      const feed = new Feed();
      const commits = history(decider, commands).map((events) =>
        feed.commit(type, id, events)
      );
      return {
        then(expected: Partial<IntegrationEvent>[][]) {
          const mapped = mapAll(commits);
          assert.equal(mapped.length, expected.length);
          mapped.forEach((events, i) => {
            assert.equal(events.length, expected[i].length, `commit ${i + 1}`);
            events.forEach((event, j) => {
              assertValid(event);
              for (const [key, value] of Object.entries(expected[i][j])) {
                assert.deepEqual(
                  event[key as keyof IntegrationEvent],
                  value,
                  `commit ${i + 1} event ${j}: ${key}`,
                );
              }
            });
          });
          return mapped;
        },
      };
    },
  };
}

/** Maps commits in feed order the way the relay does: origins from first commits. */
function mapAll(commits: readonly Commit[]): IntegrationEvent[][] {
  const origins = new Map<string, StreamOrigin | null>();
  return commits.map((commit) => {
    const key = `${commit.type}/${commit.id}`;
    if (commit.version === 1) origins.set(key, streamOrigin(commit));
    const origin = integrationMapper.needsOrigin(commit)
      ? origins.get(key) ?? null
      : null;
    return integrationMapper.map(commit, origin);
  });
}

function assertValid(event: IntegrationEvent): void {
  const spec = integrationEventSpec(event.type);
  assert.ok(spec, `${event.type} is in the catalogue`);
  spec.schema.parse(event.data);
  assert.equal(event.aggregate, spec.aggregate);
  assert.equal(event.event, spec.event);
  assert.equal(event.subject, event.data[spec.subjectField]);
  assert.equal(event.tenant, event.data.bedriftId);
  assert.ok(!Number.isNaN(Date.parse(event.time)), event.time);
}

const at = "2025-03-03T08:00:00.000Z";

Deno.test("integration: given a bedrift registered, updated and suspended, then registered, updated (contact fields by name only) and status_changed", () => {
  const mapped = integrationSpec(bedriftDecider, "bedrift", "b1")
    .given([
      {
        type: "register",
        organisasjonsnummer: "923609016",
        details: {
          navn: "Oslo Trafikkskole AS",
          postnummer: "0150",
          poststed: "Oslo",
          telefon: "+4722334455",
          epost: "post@oslo-trafikk.no",
        },
        at,
      },
      {
        type: "update",
        changes: { adresse: "Storgata 1", telefon: "+4799887766" },
        at,
      },
      {
        type: "change_status",
        status: "SUSPENDERT",
        reason: "Kari ba om det",
        at,
      },
    ]).then([
      [{
        type: "no.tms.bedrift.registered.v1",
        tenant: "b1",
        subject: "b1",
        time: at,
        data: {
          bedriftId: "b1",
          organisasjonsnummer: "923609016",
          navn: "Oslo Trafikkskole AS",
          adresse: null,
          postnummer: "0150",
          poststed: "Oslo",
          naeringskode: null,
          organisasjonsform: null,
          status: "AKTIV",
          registeredAt: at,
        },
      }],
      [{
        type: "no.tms.bedrift.updated.v1",
        data: {
          bedriftId: "b1",
          changed: ["adresse", "telefon"],
          adresse: "Storgata 1",
          updatedAt: at,
        },
      }],
      [{
        type: "no.tms.bedrift.status_changed.v1",
        data: {
          bedriftId: "b1",
          from: "AKTIV",
          to: "SUSPENDERT",
          changedAt: at,
        },
      }],
    ]);
  // Contact details and free text stay inside.
  const text = JSON.stringify(mapped);
  for (const secret of ["+4722334455", "post@oslo", "+4799887766", "Kari"]) {
    assert.ok(!text.includes(secret), secret);
  }
});

const selger: Selger = {
  navn: "Oslo Trafikkskole AS",
  organisasjonsnummer: "923609016",
  mvaRegistrert: true,
  kontonummer: "86011117947",
  adresse: null,
  postnummer: "0150",
  poststed: "Oslo",
};
const send: InvoiceCommand = {
  type: "send",
  number: 7,
  fakturanummer: "F-7",
  kid: "0000000075",
  kidAlgoritme: "MOD10",
  fakturadato: "2025-01-10",
  forfallsdato: "2025-01-24",
  selger,
  at: "2025-01-10T09:00:00.000Z",
};
const creditNote: InvoiceReference = {
  invoiceId: "c1",
  number: 8,
  fakturanummer: "F-8",
};

Deno.test("integration: given an invoice drafted to a private customer, sent, paid in part, reminded and credited, then the customer by kind and number only, amounts with two decimals", () => {
  const mapped = integrationSpec(
    invoiceDecider,
    "invoice",
    "i1",
  ).given([
    {
      type: "draft",
      bedriftId: "b1",
      kunde: {
        navn: "Kari Nordmann",
        epost: "kari@example.no",
        kundenummer: "42",
      },
      at,
    },
    {
      type: "add_line",
      lineId: "l1",
      beskrivelse: "Kjøretime 45 min",
      antall: "3",
      enhetspris: "780",
      mvaSats: 25,
      at,
    },
    send,
    {
      type: "register_payment",
      paymentId: "p1",
      amount: "1000",
      paidOn: "2025-01-15",
      reference: "Kari sin betaling",
      at: "2025-01-15T10:00:00.000Z",
    },
    {
      type: "remind",
      on: "2025-02-20",
      purregebyr: "70.00",
      gebyrTak: "35.00",
      renteSatser: DEFAULT_RATES.forsinkelsesrente,
      at: "2025-02-20T05:00:00.000Z",
    },
    {
      type: "credit",
      creditNote,
      reason: "Kari flyttet",
      at: "2025-02-21T09:00:00.000Z",
    },
  ]).then([
    [],
    [],
    [{
      type: "no.tms.invoice.sent.v1",
      tenant: "b1",
      subject: "i1",
      time: send.at,
      data: {
        invoiceId: "i1",
        bedriftId: "b1",
        kind: "FAKTURA",
        number: 7,
        fakturanummer: "F-7",
        kid: "0000000075",
        fakturadato: "2025-01-10",
        forfallsdato: "2025-01-24",
        kunde: { kind: "PRIVAT", organisasjonsnummer: null, kundenummer: "42" },
        kreditnotaFor: null,
        netto: "2340.00",
        mva: "585.00",
        brutto: "2925.00",
        sentAt: send.at,
      },
    }],
    [{
      type: "no.tms.invoice.payment_registered.v1",
      data: {
        invoiceId: "i1",
        bedriftId: "b1",
        paymentId: "p1",
        amount: "1000.00",
        paidOn: "2025-01-15",
        utestaende: "1925.00",
        registeredAt: "2025-01-15T10:00:00.000Z",
      },
    }],
    [{ type: "no.tms.invoice.reminded.v1" }],
    [{
      type: "no.tms.invoice.credited.v1",
      data: {
        invoiceId: "i1",
        bedriftId: "b1",
        creditNoteId: "c1",
        creditNoteFakturanummer: "F-8",
        amount: "2925.00",
        creditedAt: "2025-02-21T09:00:00.000Z",
      },
    }],
  ]);
  const reminded = mapped[4][0].data;
  assert.equal(reminded.step, 1);
  assert.match(String(reminded.gebyr), /^\d+\.\d{2}$/);
  const text = JSON.stringify(mapped);
  for (const secret of ["Kari", "kari@example.no", "Kjøretime"]) {
    assert.ok(!text.includes(secret), secret);
  }
});

Deno.test("integration: given an invoice paid in full by a business, then payment_registered and paid in one commit, and the organisation number", () => {
  const mapped = integrationSpec(
    invoiceDecider,
    "invoice",
    "i2",
  ).given([
    {
      type: "draft",
      bedriftId: "b1",
      kunde: { navn: "Bygg AS", organisasjonsnummer: "974760673" },
      at,
    },
    {
      type: "add_line",
      lineId: "l1",
      beskrivelse: "Teorikurs",
      antall: "1",
      enhetspris: "1200.00",
      mvaSats: 0,
      at,
    },
    send,
    {
      type: "register_payment",
      paymentId: "p1",
      amount: "1200.00",
      paidOn: "2025-01-12",
      at: "2025-01-12T10:00:00.000Z",
    },
  ]).then([[], [], [{ type: "no.tms.invoice.sent.v1" }], [
    { type: "no.tms.invoice.payment_registered.v1" },
    {
      type: "no.tms.invoice.paid.v1",
      data: {
        invoiceId: "i2",
        bedriftId: "b1",
        paidOn: "2025-01-12",
        betalt: "1200.00",
        paidAt: "2025-01-12T10:00:00.000Z",
      },
    },
  ]]);
  assert.deepEqual(mapped[2][0].data.kunde, {
    kind: "BEDRIFT",
    organisasjonsnummer: "974760673",
    kundenummer: null,
  });
});

const point = (id: string, required: boolean) => ({
  id,
  tittel: `Punkt ${id}`,
  beskrivelse: "",
  kind: "VISUELL" as const,
  answerType: "CHECKBOX" as const,
  required,
  signedOffBy: "BEGGE" as const,
  licenceClass: "B" as const,
});
const laerer = { role: "LAERER", userId: "u1" } as const;
const createKontroll = (id: string): KontrollCommand => ({
  type: "create",
  id,
  bedriftId: "b1",
  mal: { id: "m1", revision: 2, navn: "Klasse B" },
  sjekkpunkter: [point("lys", true), point("dekk", false)],
  registreringsnummer: "EL12345",
  instructorId: "u1",
  learnerId: "elev-9",
  at,
});

Deno.test("integration: given a kontroll whose required points passed, when completed, then completed with the vehicle and people by id", () => {
  integrationSpec(kontrollDecider, "kontroll", "k1").given([
    createKontroll("k1"),
    { type: "record_point", pointId: "lys", value: true, by: laerer, at },
    { type: "complete", by: laerer, at: "2025-03-03T09:00:00.000Z" },
  ]).then([[], [], [{
    type: "no.tms.kontroll.completed.v1",
    tenant: "b1",
    subject: "k1",
    data: {
      kontrollId: "k1",
      bedriftId: "b1",
      malId: "m1",
      malRevision: 2,
      registreringsnummer: "EL12345",
      instructorId: "u1",
      learnerId: "elev-9",
      completedBy: "u1",
      completedAt: "2025-03-03T09:00:00.000Z",
    },
  }]]);
});

Deno.test("integration: given a kontroll with a required point failed, when completed, then failed with the avvik but not their comments", () => {
  const mapped = integrationSpec(
    kontrollDecider,
    "kontroll",
    "k2",
  ).given([
    createKontroll("k2"),
    {
      type: "record_point",
      pointId: "lys",
      value: false,
      comment: "Kari sa at lyset var svakt",
      by: laerer,
      at,
    },
    { type: "complete", by: laerer, at },
  ]).then([[], [], [{ type: "no.tms.kontroll.failed.v1" }]]);
  const avvik = mapped[2][0].data.avvik as Record<string, unknown>[];
  assert.equal(avvik.length, 1);
  assert.equal(avvik[0].pointId, "lys");
  assert.equal(avvik[0].tittel, "Punkt lys");
  assert.ok(!JSON.stringify(mapped).includes("Kari"));
});

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
  licenceClasses: ["B", "BE"],
  stillingsprosent: 80,
  startDate: "2025-01-06",
  at: "2025-01-06T08:00:00.000Z",
};

Deno.test("integration: given an employee hired, clocked in and out and terminated, then hired and terminated, never the name, e-mail or telephone", () => {
  const mapped = integrationSpec(
    employeeDecider,
    "employee",
    "e1",
  ).given([
    hire,
    { type: "clock_in", shiftId: "s1", at: "2025-03-03T07:00:00+01:00" },
    { type: "clock_out", at: "2025-03-03T15:00:00+01:00" },
    {
      type: "terminate",
      endDate: "2025-06-30",
      reason: "Kari har fått ny jobb",
      at: "2025-04-01T08:00:00.000Z",
    },
  ]).then([
    [{
      type: "no.tms.employee.hired.v1",
      tenant: "b1",
      subject: "e1",
      data: {
        employeeId: "e1",
        bedriftId: "b1",
        ansattnummer: "1001",
        role: "TRAFIKKLARER",
        licenceClasses: ["B", "BE"],
        stillingsprosent: 80,
        startDate: "2025-01-06",
        hiredAt: "2025-01-06T08:00:00.000Z",
      },
    }],
    [],
    [],
    [{
      type: "no.tms.employee.terminated.v1",
      data: {
        employeeId: "e1",
        bedriftId: "b1",
        endDate: "2025-06-30",
        terminatedAt: "2025-04-01T08:00:00.000Z",
      },
    }],
  ]);
  const text = JSON.stringify(mapped);
  for (const secret of ["Kari", "Nordmann", "kari@", "91234567"]) {
    assert.ok(!text.includes(secret), secret);
  }
});

Deno.test("integration: a later commit mapped without its stream's origin is refused, never published without a bedrift", () => {
  const feed = new Feed();
  const [drafted, , sent] = history(invoiceDecider, [
    { type: "draft", bedriftId: "b1", kunde: { navn: "X" }, at },
    {
      type: "add_line",
      lineId: "l1",
      beskrivelse: "Kurs",
      antall: "1",
      enhetspris: "100.00",
      mvaSats: 25,
      at,
    },
    send,
  ]).map((events) => feed.commit("invoice", "i9", events));
  assert.equal(integrationMapper.needsOrigin(drafted), false);
  assert.equal(integrationMapper.needsOrigin(sent), true);
  assert.throws(() => toIntegrationEvents(sent), MissingOriginError);
  // Another stream's origin is not this one's.
  const kontrollOrigin = streamOrigin(
    feed.commit(
      "kontroll",
      "k1",
      history(kontrollDecider, [createKontroll("k1")])[0],
    ),
  );
  assert.throws(
    () => toIntegrationEvents(sent, kontrollOrigin),
    MissingOriginError,
  );
  assert.equal(
    toIntegrationEvents(sent, streamOrigin(drafted))[0].tenant,
    "b1",
  );
});

Deno.test("integration: given an expense registered, approved and paid, then only the approval: ids, category, amounts, date — no supplier or free text", () => {
  const mapped = integrationSpec(expenseDecider, "expense", "x1").given([
    {
      type: "register",
      bedriftId: "b1",
      leverandor: { navn: "Circle K", organisasjonsnummer: "923609016" },
      dato: "2025-03-01",
      belop: "800.00",
      mvaSats: 25,
      kategori: "DRIVSTOFF",
      beskrivelse: "Diesel til Kari Nordmanns time",
      at,
    },
    { type: "approve", mvaRegistrert: true, by: "u1", at },
    { type: "pay", paidOn: "2025-03-20", at },
  ]).then([[], [{
    type: "no.tms.expense.approved.v1",
    subject: "x1",
    tenant: "b1",
    data: {
      expenseId: "x1",
      bedriftId: "b1",
      kategori: "DRIVSTOFF",
      belop: "800.00",
      mva: "200.00",
      dato: "2025-03-01",
    },
  }], []]);
  assert.ok(!JSON.stringify(mapped).includes("Kari"));
  assert.ok(!JSON.stringify(mapped).includes("Circle K"));
});

Deno.test("integration: given a budget crossed, back within and crossed again, then budget.exceeded once per crossing", () => {
  const key = { bedriftId: "b1", kategori: "DRIVSTOFF" as const };
  const month = { ...key, periode: "2025-03" };
  const record = (position: number, amount: string) => ({
    type: "record_expense" as const,
    ...month,
    expenseId: `e${position}`,
    amount,
    position,
    at,
  });
  integrationSpec(budgetDecider, "budget", "bu1").given([
    { type: "create", ...month, belop: "1000", at },
    record(10, "900.00"),
    record(11, "200.00"),
    { type: "change", belop: "2000", at },
    record(12, "1000.00"),
  ]).then([
    [],
    [],
    [{
      type: "no.tms.budget.exceeded.v1",
      subject: "bu1",
      tenant: "b1",
      data: {
        budgetId: "bu1",
        bedriftId: "b1",
        kategori: "DRIVSTOFF",
        periode: "2025-03",
        budsjett: "1000.00",
        forbrukt: "1100.00",
      },
    }],
    [],
    [{
      type: "no.tms.budget.exceeded.v1",
      data: {
        budgetId: "bu1",
        bedriftId: "b1",
        kategori: "DRIVSTOFF",
        periode: "2025-03",
        budsjett: "2000.00",
        forbrukt: "2100.00",
      },
    }],
  ]);
});

Deno.test("integration: every mapping is of a domain event type, and every catalogue type is mapped", () => {
  for (const type of Object.keys(INTEGRATION_MAPPINGS)) {
    assert.ok(type in EVENT_VERSIONS, type);
  }
  const mapped = new Set(
    Object.keys(INTEGRATION_MAPPINGS).map((type) => type.split(".")[0]),
  );
  const pending = INTEGRATION_CATALOGUE.filter((spec) =>
    !mapped.has(spec.aggregate)
  ).map((spec) => spec.type);
  assert.deepEqual(pending, []);
});
