import { z } from "../deps.ts";
import {
  LicenceClass,
  normalizeRegistreringsnummer,
} from "../actors/validators/mod.ts";
import { ParticipantRole, PhotoLimits } from "../actors/kontroll/mod.ts";
import {
  AnswerType,
  SignOff,
  SjekkpunktKind,
} from "../actors/kontroll_mal/mod.ts";

// Bodies validate shape only; the deciders normalise (trim, upper-case) and
// enforce the rules, so no schema here transforms its input.

const id = z.string().trim().min(1).max(100);
const text = (max: number) => z.string().trim().max(max);

/** One check point of a template. */
export const SjekkpunktBody = z.strictObject({
  id: z.string().regex(
    /^[A-Za-z0-9_-]{1,64}$/,
    "Letters, digits, _ and - (1–64)",
  ),
  tittel: text(200).min(1, "Must not be empty"),
  beskrivelse: text(2000).default(""),
  kind: z.enum(SjekkpunktKind),
  answerType: z.enum(AnswerType),
  required: z.boolean().default(true),
  signedOffBy: z.enum(SignOff).default("LAERER"),
  licenceClass: z.enum(LicenceClass),
});

const sjekkpunkter = z.array(SjekkpunktBody).min(1).max(200).refine(
  (points) => new Set(points.map((p) => p.id)).size === points.length,
  "Check point ids must be unique",
);

/** Body of creating a checklist template (`POST /api/v1/kontroll-maler`). */
export const CreateKontrollMalBody = z.strictObject({
  bedriftId: id,
  navn: text(200).min(1, "Must not be empty"),
  beskrivelse: text(2000).optional(),
  sjekkpunkter,
});

/** Body of changing a template: any subset, at least one field. */
export const UpdateKontrollMalBody = z.strictObject({
  navn: text(200).min(1, "Must not be empty"),
  beskrivelse: text(2000),
  sjekkpunkter,
}).partial().refine(
  (body) => Object.keys(body).length > 0,
  "At least one field must be given",
);

/**
 * Body of starting a kontroll (`POST /api/v1/kontroller`). The edge reads the
 * template (`kontrollMalSnapshot`) and takes bedriftId from it; `instructorId`
 * defaults to the calling user.
 */
export const CreateKontrollBody = z.strictObject({
  malId: id,
  registreringsnummer: z.string().max(20).refine(
    (v) => normalizeRegistreringsnummer(v) !== null,
    "Must be two letters and 4 or 5 digits, e.g. EL12345",
  ),
  instructorId: id.optional(),
  learnerId: id.nullish(),
});

/**
 * Body of recording one check point's result. `value` by answer type: CHECKBOX
 * a boolean, NUMBER a number, TEXT a text, PHOTO an attached photo's fileId.
 */
export const RecordPointBody = z.strictObject({
  value: z.union([
    z.boolean(),
    z.number().refine(Number.isFinite, "Must be a finite number"),
    text(2000).min(1, "Must not be empty"),
  ]),
  passed: z.boolean().optional(),
  comment: text(1000).nullish(),
  /**
   * Who records it: the kontroll's instructor (default) or its learner. Until
   * the edge authenticates users, this picks the participant.
   */
  by: z.enum(ParticipantRole).optional(),
});

/** Form fields (or query parameters) of a photo upload. */
export const PhotoUploadFields = z.strictObject({
  pointId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "A check point id"),
  by: z.enum(ParticipantRole).optional(),
});

/** Metadata of an uploaded photo (the edge computes it while storing the bytes). */
export const PhotoMetadataBody = z.strictObject({
  fileId: id,
  contentType: z.enum(PhotoLimits.contentTypes),
  size: z.number().int().min(1).max(PhotoLimits.maxBytes),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "Lower-case hex SHA-256"),
});

/** Body of completing a kontroll: nothing but the call itself. */
export const CompleteKontrollBody = z.strictObject({});
