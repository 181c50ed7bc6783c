/**
 * The integration event catalogue: the events outside subscribers get, each
 * a versioned type `no.tms.<aggregate>.<event>.v<major>` with a zod schema
 * of its data (the published JSON Schema comes from it). The data holds ids,
 * amounts as strings with two decimals, dates and statuses — never personal
 * data in clear: a person (an employee, a learner, a private customer) is
 * referenced by id, and free text (reasons, comments, payment references)
 * never leaves, since anyone may have typed a name into it.
 *
 * A new major version is a new entry beside the old one (both published for
 * a while); a field added to a version must be optional.
 */
import { z } from "../../deps.ts";
import { integrationType } from "../../runtime/core/mod.ts";
import { BEDRIFT_DETAIL_FIELDS } from "../../actors/bedrift/mod.ts";

const id = z.string().min(1).describe("An id (opaque string)");
const instant = z.iso.datetime({ offset: true }).describe("ISO 8601 instant");
const date = z.iso.date().describe("YYYY-MM-DD");
const money = z.string().regex(/^-?\d+\.\d{2}$/).describe(
  'An amount in NOK with two decimals, e.g. "1250.00"',
);
const bedriftId = id.describe("The bedrift (tenant) the event belongs to");
const organisasjonsnummer = z.string().regex(/^\d{9}$/).describe(
  "Norwegian organisation number (9 digits)",
);

const bedriftStatus = z.enum(["AKTIV", "SUSPENDERT", "AVVIKLET"]);
const invoiceKind = z.enum(["FAKTURA", "KREDITNOTA"]).describe(
  "An ordinary invoice or a credit note",
);
const role = z.enum(["ADMIN", "HOVEDBRUKER", "OKONOMI", "TRAFIKKLARER"]);

const bedriftAddress = {
  adresse: z.string().nullable(),
  postnummer: z.string().nullable(),
  poststed: z.string().nullable(),
  naeringskode: z.string().nullable(),
  organisasjonsform: z.string().nullable(),
};

const kontrollFacts = {
  kontrollId: id,
  bedriftId,
  malId: id.describe("The checklist template"),
  malRevision: z.number().int().positive(),
  registreringsnummer: z.string().describe("The vehicle, e.g. EL12345"),
  instructorId: id.describe("The instructor (a user id)"),
  learnerId: id.nullable().describe("The learner (an id), if any"),
  completedBy: id.describe("Who completed it (a user id)"),
  completedAt: instant,
};

/** One entry of the catalogue. */
export interface IntegrationEventSpec<S extends z.ZodType = z.ZodType> {
  /** `no.tms.<aggregate>.<event>.v<major>`. */
  type: string;
  aggregate: string;
  event: string;
  version: number;
  summary: string;
  /** The field of `data` holding the aggregate's id (`ce-subject`). */
  subjectField: string;
  schema: S;
}

function spec<S extends z.ZodObject>(
  aggregate: string,
  event: string,
  version: number,
  summary: string,
  subjectField: keyof z.infer<S> & string,
  schema: S,
): IntegrationEventSpec<S> {
  return {
    type: integrationType(aggregate, event, version),
    aggregate,
    event,
    version,
    summary,
    subjectField,
    schema,
  };
}

/** The catalogue, keyed by a short name (also the mapping's key). */
export const INTEGRATION_EVENTS = {
  bedriftRegistered: spec(
    "bedrift",
    "registered",
    1,
    "A driving school was registered (status AKTIV). Contact telephone and e-mail are left out.",
    "bedriftId",
    z.strictObject({
      bedriftId,
      organisasjonsnummer,
      navn: z.string(),
      ...bedriftAddress,
      status: bedriftStatus,
      registeredAt: instant,
    }),
  ),
  bedriftUpdated: spec(
    "bedrift",
    "updated",
    1,
    "A bedrift's details changed: `changed` names every changed field; the new values of the address fields are given, contact telephone and e-mail only by name.",
    "bedriftId",
    z.strictObject({
      bedriftId,
      changed: z.array(z.enum(BEDRIFT_DETAIL_FIELDS)),
      navn: z.string().optional(),
      ...z.object(bedriftAddress).partial().shape,
      updatedAt: instant,
    }),
  ),
  bedriftStatusChanged: spec(
    "bedrift",
    "status_changed",
    1,
    "A bedrift was suspended, re-activated or wound up (AVVIKLET is final).",
    "bedriftId",
    z.strictObject({
      bedriftId,
      from: bedriftStatus.nullable(),
      to: bedriftStatus,
      changedAt: instant,
    }),
  ),
  invoiceSent: spec(
    "invoice",
    "sent",
    1,
    "An invoice or credit note was sent: numbered from the bedrift's gap-free series, its lines frozen. The customer is given by kind, organisation number (businesses only) and customer number — never by name.",
    "invoiceId",
    z.strictObject({
      invoiceId: id,
      bedriftId,
      kind: invoiceKind,
      number: z.number().int().positive(),
      fakturanummer: z.string(),
      kid: z.string().nullable().describe(
        "Payment reference (null on a credit note)",
      ),
      fakturadato: date,
      forfallsdato: date,
      kunde: z.strictObject({
        kind: z.enum(["PRIVAT", "BEDRIFT"]),
        organisasjonsnummer: organisasjonsnummer.nullable(),
        kundenummer: z.string().nullable(),
      }),
      kreditnotaFor: id.nullable().describe(
        "On a credit note: the invoice it credits",
      ),
      netto: money,
      mva: money,
      brutto: money,
      sentAt: instant,
    }),
  ),
  invoicePaymentRegistered: spec(
    "invoice",
    "payment_registered",
    1,
    "A payment (in part or in full) was registered on a sent invoice.",
    "invoiceId",
    z.strictObject({
      invoiceId: id,
      bedriftId,
      paymentId: id,
      amount: money,
      paidOn: date,
      utestaende: money.describe("Left to pay after this payment"),
      registeredAt: instant,
    }),
  ),
  invoicePaid: spec(
    "invoice",
    "paid",
    1,
    "An invoice is paid in full.",
    "invoiceId",
    z.strictObject({
      invoiceId: id,
      bedriftId,
      paidOn: date,
      betalt: money,
      paidAt: instant,
    }),
  ),
  invoiceReminded: spec(
    "invoice",
    "reminded",
    1,
    "A reminder (purring) was sent for an overdue invoice, with its fee and late-payment interest.",
    "invoiceId",
    z.strictObject({
      invoiceId: id,
      bedriftId,
      step: z.number().int().positive(),
      on: date,
      gebyr: money,
      rente: money,
      utestaende: money.describe("Left to pay after the fee and interest"),
      remindedAt: instant,
    }),
  ),
  invoiceCredited: spec(
    "invoice",
    "credited",
    1,
    "A sent invoice was credited in full by a credit note (which is sent as its own invoice.sent of kind KREDITNOTA).",
    "invoiceId",
    z.strictObject({
      invoiceId: id,
      bedriftId,
      creditNoteId: id,
      creditNoteFakturanummer: z.string(),
      amount: money.describe("Gross amount credited"),
      creditedAt: instant,
    }),
  ),
  kontrollCompleted: spec(
    "kontroll",
    "completed",
    1,
    "A vehicle safety check passed: every required point passed (BESTATT).",
    "kontrollId",
    z.strictObject(kontrollFacts),
  ),
  kontrollFailed: spec(
    "kontroll",
    "failed",
    1,
    "A vehicle safety check did not pass (IKKE_BESTATT), with its deviations.",
    "kontrollId",
    z.strictObject({
      ...kontrollFacts,
      avvik: z.array(z.strictObject({
        pointId: id,
        tittel: z.string().describe("The check point's title"),
        reason: z.string().describe("Why it did not pass"),
      })),
    }),
  ),
  employeeHired: spec(
    "employee",
    "hired",
    1,
    "An employee was hired. Name, e-mail, telephone and fødselsnummer are personal data and never part of the event: read them through the API with a right to.",
    "employeeId",
    z.strictObject({
      employeeId: id,
      bedriftId,
      ansattnummer: z.string(),
      role,
      licenceClasses: z.array(z.string()),
      stillingsprosent: z.number().min(0).max(100),
      startDate: date,
      hiredAt: instant,
    }),
  ),
  employeeTerminated: spec(
    "employee",
    "terminated",
    1,
    "An employee's employment ends on `endDate`.",
    "employeeId",
    z.strictObject({
      employeeId: id,
      bedriftId,
      endDate: date,
      terminatedAt: instant,
    }),
  ),
  expenseApproved: spec(
    "expense",
    "approved",
    1,
    "An expense was approved (by OKONOMI or HOVEDBRUKER).",
    "expenseId",
    z.strictObject({
      expenseId: id,
      bedriftId,
      kategori: z.string(),
      belop: money.describe("Amount excluding MVA"),
      mva: money,
      dato: date,
    }),
  ),
  budgetExceeded: spec(
    "budget",
    "exceeded",
    1,
    "Approved expenses of a category and period went above its budget (once per crossing).",
    "budgetId",
    z.strictObject({
      budgetId: id,
      bedriftId,
      kategori: z.string(),
      periode: z.string().describe("YYYY-MM (a month) or YYYY (a year)"),
      budsjett: money,
      forbrukt: money,
    }),
  ),
} as const;

/** The short name of a catalogue entry. */
export type IntegrationEventName = keyof typeof INTEGRATION_EVENTS;

/** The data of one catalogue entry. */
export type IntegrationData<N extends IntegrationEventName> = z.infer<
  (typeof INTEGRATION_EVENTS)[N]["schema"]
>;

/** Every entry, in catalogue order. */
export const INTEGRATION_CATALOGUE: readonly IntegrationEventSpec[] = Object
  .values(INTEGRATION_EVENTS);

const BY_TYPE = new Map(INTEGRATION_CATALOGUE.map((e) => [e.type, e]));

/** The entry of a `ce-type`, or null. */
export function integrationEventSpec(
  type: string,
): IntegrationEventSpec | null {
  return BY_TYPE.get(type) ?? null;
}
