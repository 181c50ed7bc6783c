/**
 * Schemas of the edge's answers (the v1 shape; v2 is derived from them by
 * the representation layer). Money nodes are marked with `money()`. Nested
 * domain structures the document need not spell out field by field are
 * `looseObject`s with their main fields.
 */
import { z } from "../deps.ts";
import { Money } from "./money.ts";

const id = z.string();
const instant = z.string().describe("ISO 8601 instant");
const date = z.string().describe("YYYY-MM-DD");
const nullableText = z.string().nullable();

const InvoiceSettingsView = z.object({
  fakturaPrefix: z.string(),
  fakturaStartNummer: z.number().int(),
  forfallsdager: z.number().int(),
  kontonummer: nullableText,
  purregebyr: Money,
  mvaRegistrert: z.boolean(),
  kidAlgoritme: z.enum(["MOD10", "MOD11"]),
});

const bedriftFields = {
  id,
  version: z.number().int(),
  organisasjonsnummer: z.string(),
  navn: z.string(),
  adresse: nullableText.optional(),
  postnummer: nullableText.optional(),
  poststed: nullableText.optional(),
  telefon: nullableText.optional(),
  epost: nullableText.optional(),
  naeringskode: nullableText.optional(),
  organisasjonsform: nullableText.optional(),
  status: z.enum(["AKTIV", "SUSPENDERT", "AVVIKLET"]),
  statusReason: nullableText,
  invoiceSettings: InvoiceSettingsView,
};

/** A bedrift (`GET /bedrifter/:id`, and every bedrift command). */
export const BedriftView = z.object({
  ...bedriftFields,
  status: bedriftFields.status.nullable(),
  createdAt: instant.nullable(),
  updatedAt: instant.nullable(),
});

/** A bedrift in `GET /bedrifter`. */
export const BedriftListItemView = z.object({
  ...bedriftFields,
  position: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});

/** A personal field: `null` once the person's data was erased (GDPR). */
const personal = z.string().nullable();

const KundeView = z.object({
  kind: z.enum(["PRIVAT", "BEDRIFT"]),
  navn: personal.describe("A PRIVAT kunde's: null once erased"),
  epost: nullableText,
  organisasjonsnummer: nullableText,
  kundenummer: nullableText,
  subjectId: nullableText.describe(
    "A PRIVAT kunde's data subject: the id of its GDPR export and erasure",
  ),
});

const TotalsView = z.object({
  netto: Money,
  mva: Money,
  brutto: Money,
  perSats: z.array(z.object({
    mvaSats: z.number().int(),
    grunnlag: Money,
    mva: Money,
  })),
});

const LineView = z.object({
  lineId: z.string(),
  beskrivelse: z.string(),
  antall: z.string(),
  enhetspris: Money,
  mvaSats: z.number().int(),
  netto: Money,
  mva: Money,
  brutto: Money,
});

const InvoiceReferenceView = z.object({
  invoiceId: z.string(),
  number: z.number().int(),
  fakturanummer: z.string(),
});

const invoiceStatus = z.enum([
  "UTKAST",
  "SENDT",
  "DELVIS_BETALT",
  "BETALT",
  "PURRET",
  "KANSELLERT",
  "KREDITERT",
]);

/** An invoice or credit note. */
export const InvoiceView = z.object({
  id,
  version: z.number().int(),
  status: invoiceStatus.nullable(),
  kind: z.enum(["FAKTURA", "KREDITNOTA"]),
  bedriftId: z.string(),
  kunde: KundeView,
  lines: z.array(LineView),
  totals: TotalsView,
  number: z.number().int().nullable(),
  fakturanummer: nullableText,
  kid: nullableText,
  fakturadato: date.nullable(),
  forfallsdato: date.nullable(),
  selger: z.looseObject({
    navn: z.string(),
    organisasjonsnummer: z.string(),
    mvaRegistrert: z.boolean(),
    kontonummer: nullableText,
  }).nullable(),
  gebyrer: Money,
  renter: Money,
  betalt: Money,
  utestaende: Money,
  payments: z.array(z.object({
    paymentId: z.string(),
    amount: Money,
    paidOn: date,
    reference: nullableText,
    registeredAt: instant,
  })),
  reminders: z.array(z.object({
    step: z.number().int(),
    on: date,
    gebyr: Money,
    rente: Money,
    renteFra: date,
    at: instant,
  })),
  paidOn: date.nullable(),
  kreditnotaFor: InvoiceReferenceView.nullable(),
  kreditertAv: InvoiceReferenceView.extend({
    reason: nullableText,
    at: instant,
  }).nullable(),
  cancelled: z.object({ reason: nullableText, at: instant }).nullable(),
  createdAt: instant.nullable(),
  sentAt: instant.nullable(),
  updatedAt: instant.nullable(),
});

/** The answer of crediting: the credit note, with the credited original. */
export const CreditNoteView = InvoiceView.extend({ credited: InvoiceView });

/** An invoice in `GET /invoices`. */
export const InvoiceListItemView = z.object({
  id,
  version: z.number().int(),
  position: z.number().int(),
  bedriftId: z.string(),
  kind: z.enum(["FAKTURA", "KREDITNOTA"]),
  status: invoiceStatus,
  kunde: KundeView,
  dato: date,
  fakturanummer: nullableText,
  kid: nullableText,
  forfallsdato: date.nullable(),
  antallLinjer: z.number().int(),
  totals: TotalsView,
  balance: z.object({
    gebyrer: Money,
    renter: Money,
    betalt: Money,
    utestaende: Money,
  }),
  antallPurringer: z.number().int(),
  betaltDato: date.nullable(),
  kreditnotaFor: nullableText,
  kreditertAv: nullableText,
  sendtAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
});

const SjekkpunktView = z.looseObject({
  id: z.string(),
  tittel: z.string(),
  beskrivelse: z.string(),
  kind: z.enum(["FYSISK", "VISUELL"]),
  answerType: z.enum(["CHECKBOX", "TEXT", "NUMBER", "PHOTO"]),
  required: z.boolean(),
  signedOffBy: z.enum(["LAERER", "ELEV", "BEGGE"]),
  licenceClass: z.string(),
});

const MalReferenceView = z.object({
  id: z.string(),
  revision: z.number().int(),
  navn: z.string(),
});

/** A checklist template. */
export const KontrollMalView = z.object({
  id,
  version: z.number().int(),
  bedriftId: z.string(),
  navn: z.string(),
  beskrivelse: z.string(),
  status: z.string(),
  revision: z.number().int(),
  sjekkpunkter: z.array(SjekkpunktView),
  createdAt: instant,
  updatedAt: instant,
});

const AvvikView = z.looseObject({
  pointId: z.string(),
  tittel: z.string(),
  reason: z.string(),
  comment: nullableText,
});

const kontrollStatus = z.enum([
  "OPPRETTET",
  "UNDER_ARBEID",
  "BESTATT",
  "IKKE_BESTATT",
]);

/** A vehicle safety check with its points. */
export const KontrollView = z.object({
  id,
  version: z.number().int(),
  bedriftId: z.string(),
  mal: MalReferenceView,
  registreringsnummer: z.string(),
  instructorId: z.string(),
  learnerId: nullableText,
  status: kontrollStatus,
  points: z.array(SjekkpunktView.extend({
    result: z.looseObject({
      value: z.union([z.boolean(), z.number(), z.string()]),
      passed: z.boolean(),
      comment: nullableText,
      recordedAt: instant,
    }).nullable(),
    photos: z.array(z.looseObject({
      fileId: z.string(),
      contentType: z.string(),
      size: z.number().int(),
      sha256: z.string(),
    })),
  })),
  avvik: z.array(AvvikView),
  createdAt: instant,
  startedAt: instant.nullable(),
  completedAt: instant.nullable(),
  completedBy: nullableText,
});

/** The answer of a photo upload: the kontroll and the stored photo. */
export const KontrollPhotoView = KontrollView.extend({
  photo: z.looseObject({
    id: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    pointId: z.string(),
  }),
});

/** A kontroll in `GET /kontroller`. */
export const KontrollListItemView = z.object({
  id,
  version: z.number().int(),
  position: z.number().int(),
  bedriftId: z.string(),
  mal: MalReferenceView,
  registreringsnummer: z.string(),
  instructorId: z.string(),
  learnerId: nullableText,
  status: kontrollStatus,
  counts: z.object({
    punkter: z.number().int(),
    pakrevde: z.number().int(),
    registrert: z.number().int(),
    bestatt: z.number().int(),
    bilder: z.number().int(),
    avvik: z.number().int(),
  }),
  avvik: z.array(AvvikView),
  createdAt: instant,
  startedAt: instant.nullable(),
  completedAt: instant.nullable(),
  completedBy: nullableText,
  updatedAt: instant,
});

const employeeRole = z.enum([
  "HOVEDBRUKER",
  "TRAFIKKLARER",
  "ADMIN",
  "OKONOMI",
]);
const OpenShiftView = z.object({ shiftId: z.string(), clockedInAt: instant });

/** An employee; the fødselsnummer only masked (`ddmmyy*****`). */
export const EmployeeView = z.object({
  id,
  version: z.number().int(),
  bedriftId: z.string(),
  ansattnummer: z.string(),
  fornavn: personal.describe("null once the person's data is erased"),
  etternavn: personal,
  epost: personal,
  telefon: nullableText,
  role: employeeRole,
  status: z.enum(["ACTIVE", "TERMINATED"]),
  licenceClasses: z.array(z.string()),
  stillingsprosent: z.number(),
  startDate: date,
  endDate: date.nullable(),
  fodselsnummer: z.string().nullable().describe("Masked: ddmmyy*****"),
  openShift: OpenShiftView.nullable(),
  lastClockedOutAt: instant.nullable(),
  absences: z.array(z.looseObject({
    absenceId: z.string(),
    kind: z.enum(["EGENMELDING", "SYKMELDING", "FERIE", "PERMISJON"]),
    fromDate: date,
    toDate: date,
    note: nullableText,
  })),
  hiredAt: instant,
  terminatedAt: instant.nullable(),
  terminationReason: nullableText,
  erasedAt: instant.nullable().describe(
    "When the person's data was erased (GDPR): the personal fields are null",
  ),
});

/** An employee in `GET /employees` (never the fødselsnummer). */
export const EmployeeListItemView = z.object({
  id,
  version: z.number().int(),
  position: z.number().int(),
  bedriftId: z.string(),
  ansattnummer: z.string(),
  fornavn: personal,
  etternavn: personal,
  epost: personal,
  telefon: nullableText,
  role: employeeRole,
  status: z.enum(["ACTIVE", "TERMINATED"]),
  licenceClasses: z.array(z.string()),
  stillingsprosent: z.number(),
  startDate: date,
  endDate: date.nullable(),
  openShift: OpenShiftView.nullable(),
  lastClockedOutAt: instant.nullable(),
  antallFravaer: z.number().int(),
  hiredAt: instant,
  terminatedAt: instant.nullable(),
  updatedAt: instant,
});

/** A user: the address in clear (null once erased), never the password hash. */
export const UserView = z.object({
  id,
  version: z.number().int(),
  email: z.string().nullable(),
  role: z.enum(["ADMIN", "HOVEDBRUKER", "OKONOMI", "TRAFIKKLARER"]),
  bedriftId: nullableText,
  employeeId: nullableText,
  status: z.enum(["ACTIVE", "DISABLED"]),
  locked: z.boolean(),
  lastLoginAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
});

/** The answer of login and refresh. */
export const TokenPairView = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int(),
});

/** A security event of the ADMIN's audit list. */
export const SecurityEventView = z.object({
  position: z.number().int(),
  at: instant,
  kind: z.enum([
    "user.login_failed",
    "user.locked",
    "user.disabled",
    "session.reuse_detected",
  ]),
  userId: z.string(),
  bedriftId: nullableText,
  detail: z.record(z.string(), z.unknown()),
});

/** One event as the history APIs show it (personal data masked for non-ADMINs). */
export const EventView = z.object({
  position: z.number().int().describe("Feed position of its commit"),
  index: z.number().int().describe("Index of the event within its commit"),
  aggregateType: z.string(),
  aggregateId: z.string(),
  version: z.number().int().describe(
    "Version of the aggregate after its commit",
  ),
  type: z.string(),
  v: z.number().int().describe("Schema version of `data`"),
  at: instant.describe("When the log accepted the commit"),
  bedriftId: nullableText,
  data: z.record(z.string(), z.unknown()),
  masked: z.boolean().describe("True when personal data was masked"),
});

/** One commit of an aggregate's history. */
export const CommitView = z.object({
  version: z.number().int(),
  position: z.number().int(),
  at: instant,
  commandId: z.string(),
  correlationId: nullableText,
  events: z.array(z.object({
    type: z.string(),
    v: z.number().int(),
    data: z.record(z.string(), z.unknown()),
  })),
  masked: z.boolean(),
});

/** One event type of the catalog. */
export const EventTypeView = z.object({
  type: z.string(),
  aggregateType: z.string(),
  version: z.number().int().describe("Current schema version"),
  personalData: z.array(z.object({ path: z.string(), masking: z.string() })),
  schema: z.record(z.string(), z.unknown()).describe(
    "JSON Schema (draft 2020-12) of the event's data at this version",
  ),
});

/** The answer of `GET /events/stats`. */
export const EventStatsView = z.object({
  headPosition: z.number().int(),
  commitsPerSecond: z.number().describe(
    "Commits per second over the last minute",
  ),
  lastMinute: z.object({
    commits: z.number().int(),
    from: instant,
    to: instant,
  }),
  readModelPosition: z.number().int(),
  perType: z.array(z.object({ type: z.string(), count: z.number().int() })),
  perDay: z.array(z.object({
    day: date,
    type: z.string(),
    count: z.number().int(),
  })),
});

/** The answer of `POST /events/test`. */
export const TestEventView = z.object({
  aggregateType: z.string(),
  aggregateId: z.string(),
  version: z.number().int(),
  position: z.number().int(),
  type: z.literal("system.test"),
  at: instant,
});
