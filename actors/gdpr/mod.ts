/**
 * @module gdpr
 *
 * Personal data under the GDPR:
 *
 * - sealing (`sealing.ts`): which fields of which events, and which
 *   snapshots, the log seals with whose key — an employee's (its id), a
 *   user's (`user-<id>`), a person who is an invoice customer
 *   (`kunde-<bedriftId>-<kundenummer>` or `faktura-<invoiceId>`);
 * - the `gdpr` aggregate, one per data subject (`gdpr/<subject id>`):
 *   consents per purpose with their legal basis (art. 6, 7) and the erasure
 *   once done; the `gdpr_consents` read model;
 * - the flows: who a subject id names (`resolveSubject`: an employee and the
 *   users linked to it are one person), the export of everything held about
 *   a person (`exportSubject`), erasure by crypto-shredding
 *   (`eraseSubject`), consent records (`recordConsent`).
 */
export {
  ConsentStatus,
  GDPR,
  GdprErrorCode,
  LegalBasis,
  SubjectKind,
} from "./types.ts";
export type {
  Consent,
  Erasure,
  GdprCommand,
  GdprState,
  GdprSubject,
  SubjectRecord,
} from "./types.ts";
export { GDPR_EVENT_TYPES, gdprEvent, GdprEventVersions } from "./events.ts";
export type {
  GdprConsentRecorded,
  GdprEvent,
  GdprSubjectErased,
} from "./events.ts";
export { gdprActor, gdprDecider } from "./decider.ts";
export {
  SEALED_EVENTS,
  SEALED_SNAPSHOTS,
  SEALING_SPEC,
  UNSEALED_RECORDS,
} from "./sealing.ts";
export {
  GDPR_CONSENTS_PROJECTION,
  gdprConsentsProjection,
} from "./projection.ts";
export {
  consentsOf,
  invoicesOfKunde,
  listConsents,
  shiftsOf,
  usersOfEmployee,
} from "./queries.ts";
export type { ConsentFilter, ConsentItem } from "./queries.ts";
export { resolveSubject } from "./subjects.ts";
export type { GdprOptions, GdprServices, Person } from "./subjects.ts";
export { exportSubject } from "./export.ts";
export type { ExportedCommit, SubjectExport } from "./export.ts";
export { eraseSubject } from "./erase.ts";
export type { ErasureResult } from "./erase.ts";
export { recordConsent } from "./consent.ts";
export type { RecordConsentInput } from "./consent.ts";
