/** The events of the `gdpr` aggregate, declared once. */
import { eventFactory, eventTypesOf } from "../../runtime/core/mod.ts";
import type { DomainEvent, EventVersions } from "../../runtime/core/mod.ts";
import type { Consent, Erasure, SubjectKind } from "./types.ts";

/** The subject a record is about: ids only, no personal data. */
interface About {
  subjectId: string;
  kind: SubjectKind;
  bedriftId: string | null;
}

/** A consent given or withdrawn (GDPR art. 7), for one purpose. */
export type GdprConsentRecorded = DomainEvent<
  "gdpr.consent_recorded",
  About & Consent
>;
/** A person's data erased: the aggregates emptied, the keys shredded. */
export type GdprSubjectErased = DomainEvent<
  "gdpr.subject_erased",
  About & Erasure
>;

export type GdprEvent = GdprConsentRecorded | GdprSubjectErased;

/** Current schema version of each gdpr event. */
export const GdprEventVersions = {
  "gdpr.consent_recorded": 1,
  "gdpr.subject_erased": 1,
} as const satisfies EventVersions<GdprEvent>;

/** Every gdpr event type. */
export const GDPR_EVENT_TYPES = eventTypesOf(GdprEventVersions);

/** Builds a gdpr event at its current schema version. */
export const gdprEvent = eventFactory<GdprEvent>(GdprEventVersions);
