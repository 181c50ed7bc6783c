/**
 * JSON-Schema sources of every event's data at its current version, keyed
 * by event type: what `GET /api/v<n>/events/types` serves. The key set is
 * the catalog's (`EVENT_VERSIONS`, from the aggregates' versions maps), so a
 * new event type does not compile without its schema here, and
 * `tests/http/events_test.ts` checks real events against them. Nested domain
 * values the catalog need not spell out are `looseObject`s.
 */
import { z } from "../deps.ts";
import type { EventType } from "../actors/mod.ts";

const instant = z.string().describe("ISO 8601 instant");
const date = z.string().describe("YYYY-MM-DD");
const text = z.string().nullable();
const money = z.string().regex(/^-?\d+(\.\d{1,2})?$/).describe(
  "Amount in NOK, two decimals",
);
const encrypted = z.object({
  keyId: z.string(),
  ciphertext: z.string(),
  iv: z.string(),
}).describe("AES-256-GCM ciphertext under the data subject's key");
const fodselsnummer = z.object({
  encrypted,
  masked: z.string().describe("ddmmyy*****"),
}).nullable();
const bedriftDetails = z.looseObject({
  navn: z.string(),
  adresse: text.optional(),
  postnummer: text.optional(),
  poststed: text.optional(),
  telefon: text.optional(),
  epost: text.optional(),
  naeringskode: text.optional(),
  organisasjonsform: text.optional(),
});
const employeeProfile = {
  fornavn: z.string(),
  etternavn: z.string(),
  epost: z.string(),
  telefon: text,
  licenceClasses: z.array(z.string()),
  stillingsprosent: z.number(),
  startDate: date,
  endDate: date.nullable(),
  fodselsnummer,
};
const kunde = z.object({
  kind: z.enum(["PRIVAT", "BEDRIFT"]),
  navn: z.string(),
  epost: text,
  organisasjonsnummer: text,
  kundenummer: text,
});
const reference = z.object({
  invoiceId: z.string(),
  number: z.number().int(),
  fakturanummer: z.string(),
});
const totals = z.looseObject({
  netto: money,
  mva: money,
  brutto: money,
  perSats: z.array(z.looseObject({})),
});
const participant = z.object({
  role: z.enum(["LAERER", "ELEV"]),
  userId: z.string(),
});
const sjekkpunkt = z.looseObject({
  id: z.string(),
  tittel: z.string(),
  kind: z.string(),
  answerType: z.string(),
  required: z.boolean(),
});
const openItem = z.object({
  kind: z.enum(["invoice", "employee", "bedrift"]),
  itemId: z.string(),
  at: instant,
});
const sequence = z.object({
  invoiceId: z.string(),
  number: z.number().int(),
  at: instant,
});
const role = z.enum(["ADMIN", "HOVEDBRUKER", "OKONOMI", "TRAFIKKLARER"]);

/** The schema of each event type's data. */
export const EVENT_DATA_SCHEMAS: Readonly<Record<EventType, z.ZodType>> = {
  "bedrift.registered": z.object({
    organisasjonsnummer: z.string(),
    details: bedriftDetails,
    at: instant,
  }),
  "bedrift.updated": z.object({
    changes: bedriftDetails.partial(),
    at: instant,
  }),
  "bedrift.status_changed": z.object({
    from: z.string().nullable(),
    to: z.string(),
    reason: text,
    at: instant,
  }),
  "bedrift.invoice_settings_changed": z.object({
    changes: z.looseObject({ purregebyr: money.optional() }),
    at: instant,
  }),
  "employee.hired": z.object({
    id: z.string(),
    bedriftId: z.string(),
    ansattnummer: z.string(),
    role: role,
    ...employeeProfile,
    hiredAt: instant,
  }),
  "employee.updated": z.object({
    ...employeeProfile,
    updatedAt: instant,
  }).partial().required({ updatedAt: true }),
  "employee.role_changed": z.object({
    from: role,
    to: role,
    changedAt: instant,
  }),
  "employee.clocked_in": z.object({
    shiftId: z.string(),
    clockedInAt: instant,
  }),
  "employee.clocked_out": z.object({
    shiftId: z.string(),
    clockedInAt: instant,
    clockedOutAt: instant,
    durationMinutes: z.number().int(),
    flags: z.array(z.enum(["OVER_13_HOURS", "AUTO_CLOSED"])),
  }),
  "employee.absence_registered": z.object({
    absenceId: z.string(),
    kind: z.enum(["EGENMELDING", "SYKMELDING", "FERIE", "PERMISJON"]),
    fromDate: date,
    toDate: date,
    note: text,
    registeredAt: instant,
  }),
  "employee.terminated": z.object({
    endDate: date,
    reason: text,
    terminatedAt: instant,
  }),
  "invoice.drafted": z.object({
    bedriftId: z.string(),
    kunde,
    at: instant,
    kreditnotaFor: reference.optional(),
  }),
  "invoice.line_added": z.object({
    line: z.looseObject({
      lineId: z.string(),
      beskrivelse: z.string(),
      antall: z.string(),
      enhetspris: money,
      mvaSats: z.number().int(),
      netto: money,
      mva: money,
      brutto: money,
    }),
    at: instant,
  }),
  "invoice.line_removed": z.object({ lineId: z.string(), at: instant }),
  "invoice.sent": z.object({
    number: z.number().int(),
    fakturanummer: z.string(),
    kid: text,
    kidAlgoritme: z.enum(["MOD10", "MOD11"]),
    fakturadato: date,
    forfallsdato: date,
    selger: z.looseObject({
      navn: z.string(),
      organisasjonsnummer: z.string(),
    }),
    kind: z.enum(["FAKTURA", "KREDITNOTA"]),
    totals,
    at: instant,
  }),
  "invoice.payment_registered": z.object({
    paymentId: z.string(),
    amount: money,
    paidOn: date,
    reference: text,
    utestaende: money,
    at: instant,
  }),
  "invoice.paid": z.object({ paidOn: date, betalt: money, at: instant }),
  "invoice.reminded": z.object({
    step: z.number().int(),
    on: date,
    gebyr: money,
    rente: money,
    renteFra: date,
    utestaende: money,
    at: instant,
  }),
  "invoice.cancelled": z.object({ reason: text, at: instant }),
  "invoice.credited": z.object({
    creditNote: reference,
    amount: money,
    reason: text,
    at: instant,
  }),
  "invoice_sequence.reserved": sequence,
  "invoice_sequence.confirmed": sequence,
  "invoice_sequence.released": sequence,
  "kontroll.created": z.object({
    id: z.string(),
    bedriftId: z.string(),
    mal: z.object({
      id: z.string(),
      revision: z.number().int(),
      navn: z.string(),
    }),
    registreringsnummer: z.string(),
    instructorId: z.string(),
    learnerId: text,
    sjekkpunkter: z.array(sjekkpunkt),
    createdAt: instant,
  }),
  "kontroll.point_recorded": z.object({
    pointId: z.string(),
    value: z.union([z.boolean(), z.number(), z.string()]),
    passed: z.boolean(),
    comment: text,
    recordedBy: participant,
    recordedAt: instant,
  }),
  "kontroll.photo_attached": z.object({
    pointId: z.string(),
    fileId: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    attachedBy: participant,
    attachedAt: instant,
  }),
  "kontroll.completed": z.object({
    completedBy: z.string(),
    completedAt: instant,
  }),
  "kontroll.failed": z.object({
    avvik: z.array(z.looseObject({ pointId: z.string(), reason: z.string() })),
    completedBy: z.string(),
    completedAt: instant,
  }),
  "kontroll_mal.created": z.object({
    id: z.string(),
    bedriftId: z.string(),
    navn: z.string(),
    beskrivelse: z.string(),
    sjekkpunkter: z.array(sjekkpunkt),
    createdAt: instant,
  }),
  "kontroll_mal.updated": z.object({
    revision: z.number().int(),
    navn: z.string().optional(),
    beskrivelse: z.string().optional(),
    sjekkpunkter: z.array(sjekkpunkt).optional(),
    updatedAt: instant,
  }),
  "kontroll_mal.archived": z.object({ archivedAt: instant }),
  "open_items.tracked": openItem,
  "open_items.untracked": openItem,
  "session.issued": z.object({
    userId: z.string(),
    tokenHash: z.string(),
    expiresAt: instant,
    at: instant,
  }),
  "session.rotated": z.object({
    tokenHash: z.string(),
    generation: z.number().int(),
    at: instant,
  }),
  "session.reuse_detected": z.object({
    userId: z.string(),
    tokenHash: z.string(),
    at: instant,
  }),
  "session.revoked": z.object({ reason: z.string(), at: instant }),
  "system.test": z.object({
    requestedBy: z.string(),
    note: text,
    at: instant,
  }),
  "unique.reserved": z.object({ owner: z.string(), at: instant }),
  "unique.released": z.object({ owner: z.string(), at: instant }),
  "user.registered": z.object({
    id: z.string(),
    bedriftId: text,
    role,
    email: encrypted,
    emailIndex: z.string(),
    passwordHash: encrypted,
    employeeId: text,
    at: instant,
  }),
  "user.updated": z.object({
    role: role.optional(),
    employeeId: text.optional(),
    email: encrypted.optional(),
    emailIndex: z.string().optional(),
    at: instant,
  }),
  "user.password_changed": z.object({
    passwordHash: encrypted,
    rehash: z.boolean(),
    at: instant,
  }),
  "user.disabled": z.object({ reason: text, at: instant }),
  "user.logged_in": z.object({ at: instant }),
  "user.login_failed": z.object({
    failures: z.number().int(),
    at: instant,
  }),
  "user.locked": z.object({
    until: instant,
    locks: z.number().int(),
    at: instant,
  }),
  "webhook.created": z.object({
    id: z.string(),
    bedriftId: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    description: text,
    secret: encrypted.describe("The signing secret, under the webhook's key"),
    createdAt: instant,
  }),
  "webhook.updated": z.object({
    url: z.string().optional(),
    eventTypes: z.array(z.string()).optional(),
    description: text.optional(),
    updatedAt: instant,
  }),
  "webhook.disabled": z.object({ reason: text, at: instant }),
  "webhook.enabled": z.object({ at: instant }),
  "webhook.secret_rotated": z.object({ secret: encrypted, at: instant }),
  "webhook.deleted": z.object({ at: instant }),
};
