/**
 * Given / Then of the read models around a person's erasure: the rows keep
 * what is not personal and hold `null` where the person's data was; the
 * consent records and the access log hold ids only.
 */
import assert from "node:assert/strict";
import { employeeDecider } from "../../../actors/employee/mod.ts";
import { employeesProjection } from "../../../actors/employee/mod.ts";
import type { EmployeeCommand } from "../../../actors/employee/mod.ts";
import {
  invoiceDecider,
  invoicesProjection,
} from "../../../actors/invoice/mod.ts";
import type { InvoiceCommand } from "../../../actors/invoice/mod.ts";
import {
  securityEventsProjection,
  userDecider,
  usersProjection,
} from "../../../actors/user/mod.ts";
import type { UserCommand } from "../../../actors/user/mod.ts";
import {
  gdprConsentsProjection,
  gdprDecider,
} from "../../../actors/gdpr/mod.ts";
import type { GdprCommand } from "../../../actors/gdpr/mod.ts";
import { auditDecider, auditLogProjection } from "../../../actors/audit/mod.ts";
import type { Decider, DomainEvent } from "../../../runtime/core/mod.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const at = "2025-05-02T10:00:00.000Z";

function commits<C, E extends DomainEvent, S>(
  feed: Feed,
  type: string,
  id: string,
  decider: Decider<C, E, S>,
  commands: C[],
) {
  return history(decider, commands).map((events) =>
    feed.commit(type, id, events)
  );
}

Deno.test("employees projection: an erasure rewrites the names, e-mail, phone and sort key as null; the rest stays", async () => {
  const feed = new Feed();
  const life: EmployeeCommand[] = [
    {
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
      at,
    },
    { type: "clock_in", shiftId: "s1", at: "2025-05-02T07:00:00+02:00" },
    { type: "clock_out", at: "2025-05-02T15:00:00+02:00" },
    { type: "erase_personal_data", at },
  ];
  const all = commits(feed, "employee", "e1", employeeDecider, life);
  const spec = projectionSpec(employeesProjection);
  const query = `SELECT e.fornavn, e.etternavn, e.epost, e.telefon,
      e.navn_sort, e.ansattnummer, e.status, count(s.id)::int AS shifts
    FROM employees e LEFT JOIN shifts s ON s.employee_id = e.id
    GROUP BY e.id`;
  await spec.given(all.slice(0, 3)).thenRows(query, [{
    fornavn: "Kari",
    etternavn: "Nordmann",
    epost: "kari@example.no",
    telefon: "+4791234567",
    navn_sort: "nordmann kari",
    ansattnummer: "1001",
    status: "ACTIVE",
    shifts: 1,
  }]);
  await spec.given(all.slice(0, 3), all.slice(3)).thenRows(query, [{
    fornavn: null,
    etternavn: null,
    epost: null,
    telefon: null,
    navn_sort: "",
    ansattnummer: "1001",
    status: "ACTIVE",
    shifts: 1,
  }]);
  // In one batch, and again: the same rows.
  await spec.given(all).thenIdempotent(
    "SELECT fornavn, epost, navn_sort, version FROM employees",
  );
});

Deno.test("users and security_events: an erasure empties the address and drops the reasons", async () => {
  const feed = new Feed();
  const sealed = { keyId: "user-u1:k", ciphertext: "Y2lwaGVy", iv: "aXY=" };
  const life: UserCommand[] = [
    {
      type: "register",
      id: "u1",
      bedriftId: "b1",
      role: "OKONOMI",
      email: sealed,
      emailIndex: "abc",
      passwordHash: sealed,
      at,
    },
    { type: "disable", reason: "Kari sluttet etter sykdom", at },
    { type: "erase_personal_data", at },
  ];
  const all = commits(feed, "user", "u1", userDecider, life);
  await projectionSpec(usersProjection).given(all).thenRows(
    "SELECT id, status, email, role FROM users",
    [{ id: "u1", status: "DISABLED", email: null, role: "OKONOMI" }],
  );
  const security = projectionSpec(securityEventsProjection);
  await security.given(all.slice(0, 2)).thenRows(
    "SELECT kind, detail FROM security_events",
    [{
      kind: "user.disabled",
      detail: { reason: "Kari sluttet etter sykdom" },
    }],
  );
  await security.given(all.slice(0, 2), all.slice(2)).thenRows(
    "SELECT kind, detail FROM security_events",
    [{ kind: "user.disabled", detail: {} }],
  );
});

Deno.test("invoices projection: a person's name and e-mail go, the subject, numbers and amounts stay", async () => {
  const feed = new Feed();
  const life: InvoiceCommand[] = [
    {
      type: "draft",
      bedriftId: "b1",
      kunde: {
        navn: "Kari Nordmann",
        epost: "kari@example.no",
        kundenummer: "7",
      },
      at,
    },
    {
      type: "add_line",
      lineId: "l1",
      beskrivelse: "Kjøretime",
      antall: "1",
      enhetspris: "780.00",
      mvaSats: 25,
      at,
    },
    { type: "erase_kunde", at },
  ];
  const all = commits(feed, "invoice", "i1", invoiceDecider, life);
  const business = commits(feed, "invoice", "i2", invoiceDecider, [{
    type: "draft",
    bedriftId: "b1",
    kunde: { navn: "Bil AS", organisasjonsnummer: "974760673" },
    at,
  }]);
  await projectionSpec(invoicesProjection).given([...all, ...business])
    .thenRows(
      `SELECT id, kunde_kind, kunde_navn, kunde_epost, kunde_kundenummer,
         kunde_subject, brutto::text FROM invoices ORDER BY id`,
      [{
        id: "i1",
        kunde_kind: "PRIVAT",
        kunde_navn: null,
        kunde_epost: null,
        kunde_kundenummer: "7",
        kunde_subject: "kunde-b1-7",
        brutto: "975.00",
      }, {
        id: "i2",
        kunde_kind: "BEDRIFT",
        kunde_navn: "Bil AS",
        kunde_epost: null,
        kunde_kundenummer: null,
        kunde_subject: null,
        brutto: "0.00",
      }],
    );
});

Deno.test("gdpr_consents and audit_log: one row per record, ids only; applied twice, the same rows", async () => {
  const feed = new Feed();
  const consent = (status: "GRANTED" | "WITHDRAWN", n: number) =>
    ({
      type: "record_consent",
      subjectId: "e1",
      kind: "employee",
      bedriftId: "b1",
      consentId: `c${n}`,
      purpose: "nyhetsbrev",
      legalBasis: "CONSENT",
      status,
      at,
      recordedAt: at,
      recordedBy: "u1",
    }) as GdprCommand;
  const consents = commits(feed, "gdpr", "e1", gdprDecider, [
    consent("GRANTED", 1),
    consent("WITHDRAWN", 2),
  ]);
  await projectionSpec(gdprConsentsProjection).given(consents).thenRows(
    "SELECT subject_id, consent_id, purpose, legal_basis, status, bedrift_id FROM gdpr_consents ORDER BY position",
    [
      {
        subject_id: "e1",
        consent_id: "c1",
        purpose: "nyhetsbrev",
        legal_basis: "CONSENT",
        status: "GRANTED",
        bedrift_id: "b1",
      },
      {
        subject_id: "e1",
        consent_id: "c2",
        purpose: "nyhetsbrev",
        legal_basis: "CONSENT",
        status: "WITHDRAWN",
        bedrift_id: "b1",
      },
    ],
  );
  await projectionSpec(gdprConsentsProjection).given(consents)
    .thenIdempotent("SELECT position, idx, status FROM gdpr_consents");
  const audit = commits(feed, "audit", "2025-05-02_u1", auditDecider, [{
    type: "record",
    action: "personal_data.read",
    actor: { userId: "u1", role: "ADMIN", bedriftId: null },
    subjects: ["e1", "kunde-b1-7"],
    resource: "GET /api/v1/employees/:id",
    requestId: "r1",
    at,
  }]);
  await projectionSpec(auditLogProjection).given(audit).then(async (db) => {
    const rows = await db.query(
      "SELECT action, actor_id, subjects, resource FROM audit_log",
    );
    assert.deepEqual(rows, [{
      action: "personal_data.read",
      actor_id: "u1",
      subjects: ["e1", "kunde-b1-7"],
      resource: "GET /api/v1/employees/:id",
    }]);
  });
});
