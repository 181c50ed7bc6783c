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
import {
  AuditActionSchema,
  ConsentStatusSchema,
  LegalBasisSchema,
} from "./gdpr.ts";
import {
  ExperimentDefinitionView,
  MethodFaultView,
  ProbeResultView,
} from "./chaos.ts";
import { ForecastReasonView, MetricReasonView } from "./autoscale.ts";

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
/** A personal field, sealed in the log with the subject's key: `null` once erased. */
const personal = z.string().nullable().describe(
  "Personal data: sealed in the log with the data subject's key; null once erased",
);
const fodselsnummer = z.object({
  encrypted,
  masked: z.string().nullable().describe("ddmmyy*****; null once erased"),
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
  fornavn: personal,
  etternavn: personal,
  epost: personal,
  telefon: personal,
  licenceClasses: z.array(z.string()),
  stillingsprosent: z.number(),
  startDate: date,
  endDate: date.nullable(),
  fodselsnummer,
};
const kunde = z.object({
  kind: z.enum(["PRIVAT", "BEDRIFT"]),
  navn: z.string().nullable().describe(
    "A PRIVAT kunde's is personal data: sealed in the log, null once erased",
  ),
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
const kategori = z.enum([
  "DRIVSTOFF",
  "KJORETOY",
  "LOKALER",
  "LONN",
  "KONTOR",
  "MARKEDSFORING",
  "OPPLAERING",
  "ANNET",
]);
const mvaSats = z.union([
  z.literal(25),
  z.literal(15),
  z.literal(12),
  z.literal(0),
]);
const approval = {
  bedriftId: z.string(),
  kategori,
  konto: z.string(),
  dato: date,
  belop: money,
  mvaSats,
  mva: money,
  brutto: money,
  mvaRegistrert: z.boolean(),
  inngaendeMva: money,
  kostnad: money,
};
const budgetKey = {
  bedriftId: z.string(),
  kategori,
  periode: z.string().describe("YYYY-MM or YYYY"),
};
const budgetExpense = z.object({
  expenseId: z.string(),
  amount: money,
  spent: money,
  position: z.number().int().describe("Feed position of the expense event"),
  at: instant,
});
const about = {
  subjectId: z.string(),
  kind: z.enum(["employee", "user", "kunde"]),
  bedriftId: text,
};
const replicas = z.number().int().min(0);
const trigger = z.enum(["automatic", "manual"]);

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
  "budget.opened": z.object({ ...budgetKey, at: instant }),
  "budget.created": z.object({ belop: money, at: instant }),
  "budget.changed": z.object({ belop: money, previous: money, at: instant }),
  "budget.expense_recorded": budgetExpense,
  "budget.expense_removed": budgetExpense,
  "budget.exceeded": z.object({
    ...budgetKey,
    belop: money,
    spent: money,
    over: money,
    expenseId: text,
    at: instant,
  }),
  "budget.back_within": z.object({ belop: money, spent: money, at: instant }),
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
    note: personal,
    registeredAt: instant,
  }),
  "employee.terminated": z.object({
    endDate: date,
    reason: personal,
    terminatedAt: instant,
  }),
  "expense.registered": z.object({
    bedriftId: z.string(),
    leverandor: z.object({ navn: z.string(), organisasjonsnummer: text }),
    dato: date,
    belop: money,
    mvaSats,
    mva: money,
    brutto: money,
    kategori,
    konto: z.string(),
    beskrivelse: text,
    registeredBy: text,
    at: instant,
  }),
  "expense.receipt_attached": z.object({
    fileId: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    at: instant,
  }),
  "expense.approved": z.object({
    ...approval,
    approvedBy: text,
    at: instant,
  }),
  "expense.rejected": z.object({
    reason: text,
    rejectedBy: text,
    withdrawn: z.object(approval).nullable(),
    at: instant,
  }),
  "expense.paid": z.object({
    paidOn: date,
    amount: money,
    paidBy: text,
    at: instant,
  }),
  "employee.personal_data_erased": z.object({ erasedAt: instant }),
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
  "invoice.kunde_erased": z.object({ at: instant }),
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
  "autoscale.decided": z.object({
    current: replicas,
    desired: replicas,
    recommendation: replicas,
    action: z.enum(["scale_up", "scale_down", "hold"]),
    reasons: z.array(MetricReasonView),
    forecast: ForecastReasonView.nullable(),
    held: text,
    limits: z.array(z.string()),
    mode: z.string(),
    nodes: z.number().int(),
    at: instant,
  }),
  "autoscale.scaled": z.object({
    from: replicas,
    to: replicas,
    actuator: z.string(),
    trigger,
    durationMs: z.number(),
    at: instant,
  }),
  "autoscale.failed": z.object({
    from: replicas,
    to: replicas,
    actuator: z.string(),
    trigger,
    error: z.string(),
    at: instant,
  }),
  "autoscale.manual_scaled": z.object({
    from: replicas,
    to: replicas,
    reason: z.string(),
    by: z.string(),
    holdUntil: instant,
    at: instant,
  }),
  "system.test": z.object({
    requestedBy: z.string(),
    note: text,
    at: instant,
  }),
  "chaos.experiment_created": z.object({
    definition: ExperimentDefinitionView,
    blastRadius: z.number(),
    blastRadiusLimit: z.number(),
    forced: z.boolean(),
    maxDurationS: z.number(),
    createdBy: z.string(),
    at: instant,
  }),
  "chaos.experiment_started": z.object({
    node: z.string(),
    targets: z.union([z.array(z.string()), z.literal("all")]),
    by: z.string(),
    at: instant,
  }),
  "chaos.probe_checked": z.object({
    phase: z.enum(["before", "during", "after"]),
    results: z.array(ProbeResultView),
    ok: z.boolean(),
    at: instant,
  }),
  "chaos.fault_injected": z.object({
    faultId: z.string(),
    fault: MethodFaultView,
    nodes: z.array(z.string()),
    missing: z.array(z.string()),
    at: instant,
  }),
  "chaos.deviated": z.object({
    phase: z.enum(["before", "during", "after"]),
    result: ProbeResultView,
    at: instant,
  }),
  "chaos.aborted": z.object({
    reason: z.string(),
    detail: text,
    by: z.string(),
    at: instant,
  }),
  "chaos.rolled_back": z.object({
    actions: z.array(z.string()),
    faultsCleared: z.number().int(),
    at: instant,
  }),
  "chaos.completed": z.object({ outcome: z.string(), at: instant }),
  "chaos.adhoc_fault_injected": z.object({
    faultId: z.string(),
    fault: MethodFaultView,
    blastRadius: z.number(),
    forced: z.boolean(),
    nodes: z.array(z.string()),
    missing: z.array(z.string()),
    by: z.string(),
    at: instant,
  }),
  "chaos.emergency_stopped": z.object({
    stopId: z.string(),
    by: z.string(),
    nodes: z.array(z.object({
      node: z.string(),
      cleared: z.number().int(),
      ms: z.number().nullable(),
    })),
    missing: z.array(z.string()),
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
  "user.disabled": z.object({ reason: personal, at: instant }),
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
  "user.personal_data_erased": z.object({ at: instant }),
  "gdpr.consent_recorded": z.object({
    ...about,
    consentId: z.string(),
    purpose: z.string(),
    legalBasis: LegalBasisSchema,
    status: ConsentStatusSchema,
    at: instant,
    recordedAt: instant,
    recordedBy: z.string(),
  }),
  "gdpr.subject_erased": z.object({
    ...about,
    at: instant,
    by: z.string(),
    records: z.array(z.object({ type: z.string(), id: z.string() })),
    keySubjects: z.array(z.string()),
    clearTextEvents: z.number().int(),
  }),
  "audit.recorded": z.object({
    action: AuditActionSchema,
    actor: z.object({
      userId: z.string(),
      role: z.string(),
      bedriftId: text,
    }),
    subjects: z.array(z.string()),
    resource: z.string(),
    requestId: text,
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
