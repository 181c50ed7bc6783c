/**
 * Given / When / Then of the GDPR record (consents, erasure), the access
 * log, and the erasure each aggregate that holds a person's data records.
 */
import assert from "node:assert/strict";
import { DomainError, NotFoundError } from "../../../runtime/core/mod.ts";
import { gdprDecider, GdprErrorCode } from "../../../actors/gdpr/mod.ts";
import type { GdprCommand, GdprEvent } from "../../../actors/gdpr/mod.ts";
import { auditDecider } from "../../../actors/audit/mod.ts";
import type { AuditCommand } from "../../../actors/audit/mod.ts";
import {
  employeeDecider,
  EmployeeErrorCode,
} from "../../../actors/employee/mod.ts";
import type {
  EmployeeCommand,
  EmployeeEvent,
} from "../../../actors/employee/mod.ts";
import { userDecider, UserErrorCode } from "../../../actors/user/mod.ts";
import type { UserEvent } from "../../../actors/user/mod.ts";
import {
  invoiceDecider,
  InvoiceErrorCode,
} from "../../../actors/invoice/mod.ts";
import type { InvoiceEvent, KundeInput } from "../../../actors/invoice/mod.ts";
import { deciderSpec } from "../../support/decider_spec.ts";
import { history } from "../../support/history.ts";

const at = "2025-05-02T10:00:00.000Z";
const gdpr = deciderSpec(gdprDecider);
const consent = (
  fields: Partial<Extract<GdprCommand, { type: "record_consent" }>> = {},
): GdprCommand => ({
  type: "record_consent",
  subjectId: "e1",
  kind: "employee",
  bedriftId: "b1",
  consentId: "c1",
  purpose: "nyhetsbrev",
  legalBasis: "CONSENT",
  status: "GRANTED",
  at,
  recordedAt: at,
  recordedBy: "u1",
  ...fields,
});
const recorded = (command: GdprCommand): GdprEvent[] =>
  gdprDecider.decide(command, null);

Deno.test("gdpr consent: granted is recorded with its basis; the purpose's latest record stands", () => {
  const { type: _, ...data } = consent() as Extract<
    GdprCommand,
    { type: "record_consent" }
  >;
  gdpr.given([]).when(consent()).then([
    { type: "gdpr.consent_recorded", v: 1, data },
  ]);
  gdpr.given(recorded(consent())).when(
    consent({ consentId: "c2", status: "WITHDRAWN" }),
  ).thenState((state) => {
    assert.equal(state!.consents.nyhetsbrev.status, "WITHDRAWN");
    assert.equal(state!.consents.nyhetsbrev.consentId, "c2");
    assert.equal(state!.recorded, 2);
    assert.equal(state!.bedriftId, "b1");
  });
});

Deno.test("gdpr consent: a withdrawal needs a consent that stands", () => {
  gdpr.given([]).when(consent({ status: "WITHDRAWN" })).thenThrows(
    DomainError,
    GdprErrorCode.NOT_GRANTED,
  );
  const withdrawn = [
    ...recorded(consent()),
    ...gdprDecider.decide(
      consent({ status: "WITHDRAWN" }),
      recorded(consent()).reduce(gdprDecider.evolve, null),
    ),
  ];
  gdpr.given(withdrawn).when(consent({ status: "WITHDRAWN" })).thenThrows(
    DomainError,
    GdprErrorCode.NOT_GRANTED,
  );
  // Another purpose is another consent.
  gdpr.given(recorded(consent())).when(
    consent({ purpose: "markedsforing", status: "WITHDRAWN" }),
  ).thenThrows(DomainError, GdprErrorCode.NOT_GRANTED);
});

Deno.test("gdpr consent: purpose, legal basis, status and time are checked (422)", () => {
  const cases: [
    Partial<Extract<GdprCommand, { type: "record_consent" }>>,
    string,
  ][] = [
    [{ purpose: "Nyhetsbrev til alle" }, GdprErrorCode.INVALID_PURPOSE],
    [{ purpose: "" }, GdprErrorCode.INVALID_PURPOSE],
    [{ legalBasis: "BECAUSE" as never }, GdprErrorCode.INVALID_LEGAL_BASIS],
    [{ status: "MAYBE" as never }, GdprErrorCode.INVALID_STATUS],
    [{ at: "yesterday" }, GdprErrorCode.INVALID_TIME],
    [{ at: "2025-05-02T10:05:00.000Z" }, GdprErrorCode.CONSENT_IN_FUTURE],
  ];
  for (const [fields, code] of cases) {
    assert.throws(
      () => gdprDecider.decide(consent(fields), null),
      (e: unknown) =>
        e instanceof DomainError && e.code === code && e.status === 422,
      code,
    );
  }
  // Within the minute of skew it is accepted.
  assert.equal(
    gdprDecider.decide(consent({ at: "2025-05-02T10:00:30.000Z" }), null)
      .length,
    1,
  );
});

Deno.test("gdpr erasure: recorded once; asked again, nothing new", () => {
  const erasure: GdprCommand = {
    type: "record_erasure",
    subjectId: "e1",
    kind: "employee",
    bedriftId: "b1",
    at,
    by: "u1",
    records: [{ type: "employee", id: "e1" }],
    keySubjects: ["e1"],
    clearTextEvents: 0,
  };
  const events = recorded(erasure);
  assert.equal(events[0].type, "gdpr.subject_erased");
  gdpr.given(events).when({ ...erasure, at: "2025-06-01T00:00:00Z" }).then(
    [],
  );
  gdpr.given([...recorded(consent()), ...events]).when(consent({
    consentId: "c9",
    status: "WITHDRAWN",
  })).thenState((state) => {
    assert.equal(state!.erasure?.at, at);
    assert.equal(state!.consents.nyhetsbrev.status, "WITHDRAWN");
  });
});

Deno.test("audit: an entry is recorded as given; a bad one is refused (422)", () => {
  const entry: AuditCommand = {
    type: "record",
    action: "gdpr.export",
    actor: { userId: "u1", role: "ADMIN", bedriftId: null },
    subjects: ["e1"],
    resource: "GET /api/v1/gdpr/subjects/:id/export",
    requestId: "r1",
    at,
  };
  const [event] = auditDecider.decide(entry, null);
  const { type: _, ...data } = entry;
  assert.deepEqual(event, { type: "audit.recorded", v: 1, data });
  assert.deepEqual(auditDecider.evolve(null, event), {
    entries: 1,
    lastAt: at,
  });
  for (
    const bad of [
      { ...entry, action: "peek" as never },
      { ...entry, subjects: [] },
      { ...entry, at: "now" },
    ]
  ) {
    assert.throws(() => auditDecider.decide(bad, null), DomainError);
  }
});

// --- Erasure recorded by the aggregates that hold a person's data.

const employee = deciderSpec(employeeDecider);
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
  stillingsprosent: 100,
  startDate: "2025-01-06",
  fodselsnummer: {
    encrypted: { keyId: "e1:k", ciphertext: "c2lmZmVy", iv: "aXY=" },
    masked: "010100*****",
  },
  at,
};
const employeeLife = (...more: EmployeeCommand[]): EmployeeEvent[] =>
  history(employeeDecider, [
    hire,
    {
      type: "register_absence",
      absenceId: "a1",
      kind: "SYKMELDING",
      fromDate: "2025-02-03",
      toDate: "2025-02-05",
      note: "Influensa",
      at,
    },
    ...more,
  ]).flat();

Deno.test("employee erasure: the personal fields read null; the rest stays", () => {
  employee.given(employeeLife()).when({ type: "erase_personal_data", at })
    .thenState((state, events) => {
      assert.deepEqual(events, [{
        type: "employee.personal_data_erased",
        v: 1,
        data: { erasedAt: at },
      }]);
      assert.equal(state!.fornavn, null);
      assert.equal(state!.etternavn, null);
      assert.equal(state!.epost, null);
      assert.equal(state!.telefon, null);
      assert.equal(state!.fodselsnummer, null);
      assert.equal(state!.absences[0].note, null);
      assert.equal(state!.absences[0].kind, "SYKMELDING");
      assert.equal(state!.ansattnummer, "1001");
      assert.equal(state!.erasedAt, at);
    });
});

Deno.test("employee erasure: idempotent, accepted when terminated, and no personal data is recorded again", () => {
  const terminated = employeeLife({
    type: "terminate",
    endDate: "2025-03-31",
    reason: "Flytter",
    at,
  });
  const erased = [
    ...terminated,
    ...employeeDecider.decide(
      { type: "erase_personal_data", at },
      terminated.reduce(employeeDecider.evolve, null),
    ),
  ];
  assert.equal(erased.at(-1)!.type, "employee.personal_data_erased");
  const state = erased.reduce(employeeDecider.evolve, null);
  assert.equal(state!.terminationReason, null);
  employee.given(erased).when({ type: "erase_personal_data", at }).then([]);

  const active = [
    ...employeeLife(),
    ...employeeDecider.decide(
      { type: "erase_personal_data", at },
      employeeLife().reduce(employeeDecider.evolve, null),
    ),
  ];
  for (
    const command of [
      { type: "update", fornavn: "Kari", at },
      { type: "update", telefon: "+4790000000", at },
      { type: "terminate", endDate: "2025-12-31", reason: "Sluttet", at },
      {
        type: "register_absence",
        absenceId: "a2",
        kind: "FERIE",
        fromDate: "2025-07-01",
        toDate: "2025-07-02",
        note: "Syden",
        at,
      },
    ] as EmployeeCommand[]
  ) {
    employee.given(active).when(command).thenThrows(
      DomainError,
      EmployeeErrorCode.ERASED,
    );
  }
  // What is not personal data goes on.
  employee.given(active).when({
    type: "update",
    stillingsprosent: 50,
    at,
  }).thenState((s) => assert.equal(s!.stillingsprosent, 50));
  employee.given(active).when({
    type: "terminate",
    endDate: "2025-12-31",
    at,
  }).thenState((s) => assert.equal(s!.status, "TERMINATED"));
  employee.given([]).when({ type: "erase_personal_data", at }).thenThrows(
    NotFoundError,
  );
});

const user = deciderSpec(userDecider);
const sealed = { keyId: "user-u1:k", ciphertext: "Y2lwaGVy", iv: "aXY=" };
const registered: UserEvent[] = userDecider.decide({
  type: "register",
  id: "u1",
  bedriftId: "b1",
  role: "TRAFIKKLARER",
  email: sealed,
  emailIndex: "abc",
  passwordHash: sealed,
  at,
}, null);

Deno.test("user erasure: address and hash gone, disabled for good; idempotent", () => {
  user.given(registered).when({ type: "erase_personal_data", at }).thenState(
    (state, events) => {
      assert.deepEqual(events.map((e) => e.type), [
        "user.personal_data_erased",
      ]);
      assert.equal(state!.email, null);
      assert.equal(state!.passwordHash, null);
      assert.equal(state!.status, "DISABLED");
      assert.equal(state!.erasedAt, at);
      assert.equal(state!.role, "TRAFIKKLARER");
    },
  );
  const erased = [
    ...registered,
    ...userDecider.decide(
      { type: "erase_personal_data", at },
      registered.reduce(userDecider.evolve, null),
    ),
  ];
  user.given(erased).when({ type: "erase_personal_data", at }).then([]);
  user.given(erased).when({ type: "record_login", at }).thenThrows(
    DomainError,
    UserErrorCode.DISABLED,
  );
});

const invoice = deciderSpec(invoiceDecider);
const drafted = (kunde: KundeInput): InvoiceEvent[] =>
  history(invoiceDecider, [
    { type: "draft", bedriftId: "b1", kunde, at },
    {
      type: "add_line",
      lineId: "l1",
      beskrivelse: "Kjøretime",
      antall: "2",
      enhetspris: "780.00",
      mvaSats: 25,
      at,
    },
  ]).flat();

Deno.test("invoice erasure: a person's name and e-mail go; kind, kundenummer, lines and totals stay", () => {
  const events = drafted({
    navn: "Kari Nordmann",
    epost: "kari@example.no",
    kundenummer: "42",
  });
  invoice.given(events).when({ type: "erase_kunde", at }).thenState(
    (state, produced) => {
      assert.deepEqual(produced, [{
        type: "invoice.kunde_erased",
        v: 1,
        data: { at },
      }]);
      assert.deepEqual(state.kunde, {
        kind: "PRIVAT",
        navn: null,
        epost: null,
        organisasjonsnummer: null,
        kundenummer: "42",
      });
      assert.equal(state.totals.brutto, "1950.00");
      assert.equal(state.lines.length, 1);
      assert.equal(state.kundeErasedAt, at);
    },
  );
  const erased = [
    ...events,
    ...invoiceDecider.decide(
      { type: "erase_kunde", at },
      events.reduce(invoiceDecider.evolve, invoiceDecider.initialState),
    ),
  ];
  invoice.given(erased).when({ type: "erase_kunde", at }).then([]);
  // A business is no person.
  invoice.given(drafted({ navn: "Bil AS", organisasjonsnummer: "974760673" }))
    .when({ type: "erase_kunde", at }).thenThrows(
      DomainError,
      InvoiceErrorCode.KUNDE_NOT_A_PERSON,
    );
  invoice.given([]).when({ type: "erase_kunde", at }).thenThrows(
    NotFoundError,
  );
});
