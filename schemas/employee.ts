import { z } from "../deps.ts";
import {
  isFodselsnummer,
  isTelefon,
  LicenceClass,
} from "../actors/validators/mod.ts";
import { AbsenceKind, EmployeeRole } from "../actors/employee/mod.ts";

// Bodies validate shape only; the decider normalises (trim, E.164 telefon,
// sorted licence classes) and enforces the rules across fields and history.

const id = z.string().trim().min(1).max(100);
const name = z.string().trim().min(1, "Must not be empty").max(100);
const date = z.iso.date();
const atOrAfter = (from: string, to: string | null | undefined) =>
  to === null || to === undefined || to >= from;

const profile = {
  fornavn: name,
  etternavn: name,
  epost: z.email().max(254),
  telefon: z.string().max(20).refine(
    isTelefon,
    "Must be a Norwegian phone number (8 digits, optional +47)",
  ).nullish(),
  licenceClasses: z.array(z.enum(LicenceClass)).max(20),
  stillingsprosent: z.number().min(0).max(100).refine(
    (v) => Number(v.toFixed(2)) === v,
    "At most two decimals",
  ),
  startDate: date,
  endDate: date.nullish(),
  /**
   * Plain 11 digits over TLS; the edge encrypts it with the person's key and
   * masks it before the command is built. It never reaches an event in clear.
   */
  fodselsnummer: z.string().regex(/^\d{11}$/, "Must be 11 digits").refine(
    (v) => isFodselsnummer(v),
    "Not a valid fødselsnummer or D-number",
  ).nullish(),
};

/**
 * Body of hiring (`POST /api/v1/employees`). Reserve `ansattnummer` per
 * bedrift before the hire command.
 */
export const HireEmployeeBody = z.strictObject({
  bedriftId: id,
  ansattnummer: z.string().trim().min(1, "Must not be empty").max(20),
  role: z.enum(EmployeeRole),
  ...profile,
  licenceClasses: profile.licenceClasses.default([]),
}).refine((b) => atOrAfter(b.startDate, b.endDate), {
  message: "Must not be before startDate",
  path: ["endDate"],
});

/** Body of changing an employee's profile: any subset, at least one field. */
export const UpdateEmployeeBody = z.strictObject(profile).partial().refine(
  (body) => Object.keys(body).length > 0,
  "At least one field must be given",
).refine(
  (b) => b.startDate === undefined || atOrAfter(b.startDate, b.endDate),
  { message: "Must not be before startDate", path: ["endDate"] },
);

/** Body of changing an employee's role. */
export const ChangeRoleBody = z.strictObject({ role: z.enum(EmployeeRole) });

/** Body of terminating an employment. */
export const TerminateEmployeeBody = z.strictObject({
  endDate: date,
  reason: z.string().trim().max(500).nullish(),
});

/** Body of registering an absence; dates are inclusive. */
export const RegisterAbsenceBody = z.strictObject({
  kind: z.enum(AbsenceKind),
  fromDate: date,
  toDate: date,
  note: z.string().trim().max(500).nullish(),
}).refine((b) => atOrAfter(b.fromDate, b.toDate), {
  message: "Must not be before fromDate",
  path: ["toDate"],
});
