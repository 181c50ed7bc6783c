/** Bodies, queries and views of the GDPR and audit routes. */
import { z } from "../deps.ts";
import { decodeCursor } from "../runtime/sql/mod.ts";
import { parseInstant } from "../actors/validators/mod.ts";

const instant = z.string().describe("ISO 8601 instant");
const limit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = z.string().max(1024).refine(
  (text) => decodeCursor(text, ["number", "number"]) !== null,
  "Not a cursor this list gave out; start again without one",
);
const at = z.string().refine(
  (v) => parseInstant(v) !== null,
  "Must be an ISO instant with an offset, e.g. 2025-03-03T07:00:00Z",
);
/**
 * A data subject: an employee's or a user's id, or an invoice customer's
 * (`kunde-<bedriftId>-<kundenummer>`, `faktura-<invoiceId>`).
 */
export const SubjectId = z.string().trim().regex(
  /^[A-Za-z0-9_-]{1,128}$/,
  "Must be a subject id: an employee's or user's id, or an invoice customer's (kunde-… / faktura-…)",
);
/** The lawful bases of GDPR art. 6(1). */
export const LegalBasisSchema = z.enum([
  "CONSENT",
  "CONTRACT",
  "LEGAL_OBLIGATION",
  "VITAL_INTERESTS",
  "PUBLIC_TASK",
  "LEGITIMATE_INTERESTS",
]).describe("GDPR art. 6(1) (a)–(f)");
const legalBasis = LegalBasisSchema;
/** Whether a consent stands. */
export const ConsentStatusSchema = z.enum(["GRANTED", "WITHDRAWN"]);
const consentStatus = ConsentStatusSchema;
/** What an access-log entry records. */
export const AuditActionSchema = z.enum([
  "personal_data.read",
  "gdpr.export",
  "gdpr.erase",
]);
const action = AuditActionSchema;

/** Body of `POST /api/v1/gdpr/consents`. */
export const RecordConsentBody = z.strictObject({
  subjectId: SubjectId,
  purpose: z.string().trim().regex(
    /^[a-z0-9][a-z0-9_.-]{0,63}$/,
    "A purpose key: 1–64 lower-case letters, digits, _ . -",
  ),
  legalBasis,
  status: consentStatus,
  at: at.optional().describe("When it was given or withdrawn; now if left out"),
});

/** Query of `GET /api/v1/gdpr/consents`. */
export const ConsentsQuery = z.strictObject({
  subjectId: SubjectId.optional(),
  bedriftId: z.string().min(1).max(100).optional(),
  purpose: z.string().trim().min(1).max(64).optional(),
  limit,
  cursor: cursor.optional(),
});

/** Query of `GET /api/v1/audit`. */
export const AuditQuery = z.strictObject({
  subjectId: SubjectId.optional(),
  action: action.optional(),
  actorId: z.string().min(1).max(100).optional(),
  from: at.optional(),
  to: at.optional(),
  limit,
  cursor: cursor.optional(),
});

/** A consent record. */
export const ConsentView = z.object({
  position: z.number().int(),
  subjectId: z.string(),
  kind: z.enum(["employee", "user", "kunde"]),
  bedriftId: z.string().nullable(),
  consentId: z.string(),
  purpose: z.string(),
  legalBasis,
  status: consentStatus,
  at: instant,
  recordedAt: instant,
  recordedBy: z.string().describe("The user id of who recorded it"),
});

/** An audit entry. */
export const AuditEntryView = z.object({
  position: z.number().int(),
  action,
  actor: z.object({
    userId: z.string(),
    role: z.string(),
    bedriftId: z.string().nullable(),
  }),
  subjects: z.array(z.string()).describe("The data subjects read"),
  resource: z.string().describe("The route, e.g. GET /api/v1/employees/:id"),
  requestId: z.string().nullable(),
  at: instant,
});

const ErasureView = z.object({
  at: instant,
  by: z.string(),
  records: z.array(z.object({ type: z.string(), id: z.string() })),
  keySubjects: z.array(z.string()),
  clearTextEvents: z.number().int().describe(
    "Events that hold the person's data in clear in the stored log (written before sealing): no reader gets it, but the bytes stay",
  ),
});

/** What `POST /gdpr/subjects/:id/erase` answers. */
export const ErasureResultView = z.object({
  subjectId: z.string(),
  erasure: ErasureView,
  alreadyErased: z.boolean(),
});

const exportedCommit = z.object({
  version: z.number().int(),
  position: z.number().int(),
  at: instant,
  events: z.array(z.object({
    type: z.string(),
    v: z.number().int(),
    data: z.unknown(),
  })),
});

/** What `GET /gdpr/subjects/:id/export` answers: everything held, decrypted. */
export const SubjectExportView = z.object({
  subjectId: z.string(),
  kind: z.enum(["employee", "user", "kunde"]),
  bedriftId: z.string().nullable(),
  exportedAt: instant,
  erasure: ErasureView.nullable(),
  employees: z.array(z.object({
    id: z.string(),
    profile: z.looseObject({
      fornavn: z.string().nullable(),
      etternavn: z.string().nullable(),
      epost: z.string().nullable(),
      telefon: z.string().nullable(),
      fodselsnummer: z.string().nullable().describe("In full, decrypted"),
    }),
    shifts: z.array(z.looseObject({})),
    history: z.array(exportedCommit),
  })),
  users: z.array(z.object({
    id: z.string(),
    profile: z.looseObject({ email: z.string().nullable() }),
    history: z.array(exportedCommit),
  })),
  invoices: z.array(z.looseObject({
    id: z.string(),
    kunde: z.looseObject({ navn: z.string().nullable() }),
  })),
  consents: z.array(ConsentView),
});
