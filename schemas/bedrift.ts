import { z } from "../deps.ts";
import { optionalText, organisasjonsnummer } from "./common.ts";
import { money } from "./money.ts";

const details = {
  navn: z.string().trim().min(1, "Must not be empty").max(200),
  adresse: optionalText(200),
  postnummer: z.string().regex(/^\d{4}$/, "Must be 4 digits").nullish(),
  poststed: optionalText(100),
  telefon: z.string().regex(
    /^(\+47|0047)?\s*\d(\s?\d){7}$/,
    "Must be a Norwegian phone number",
  )
    .nullish(),
  epost: z.email().nullish(),
  naeringskode: z.string().regex(/^\d{2}\.\d{3}$/, "Must look like 85.530")
    .nullish(),
  organisasjonsform: z.string().regex(
    /^[A-Z]{2,5}$/,
    "Must be a code like AS or ENK",
  )
    .nullish(),
};

/** Body of `POST /api/v1/bedrifter`. */
export const RegisterBedriftBody = z.strictObject({
  organisasjonsnummer,
  ...details,
});

/** Body of `PATCH /api/v1/bedrifter/:id`: any subset of the details. */
export const UpdateBedriftBody = z.strictObject(details).partial().refine(
  (body) => Object.keys(body).length > 0,
  "At least one field must be given",
);

/** Body of `POST /api/v1/bedrifter/:id/status`. */
export const ChangeStatusBody = z.strictObject({
  status: z.enum(["AKTIV", "SUSPENDERT", "AVVIKLET"]),
  reason: z.string().trim().max(500).optional(),
});

/** Body of `PUT /api/v1/bedrifter/:id/invoice-settings`. */
export const InvoiceSettingsBody = z.strictObject({
  fakturaPrefix: z.string().max(10).regex(
    /^[A-Za-z0-9-]*$/,
    "Letters, digits and - only",
  ),
  fakturaStartNummer: z.number().int().min(1),
  forfallsdager: z.number().int().min(0).max(365),
  kontonummer: z.string().regex(/^\d{11}$/, "Must be 11 digits").nullable(),
  purregebyr: money(
    z.string().regex(
      /^\d+\.\d{2}$/,
      "Must be an amount with two decimals",
    ),
  ),
  mvaRegistrert: z.boolean(),
  kidAlgoritme: z.enum(["MOD10", "MOD11"]),
}).partial().refine(
  (body) => Object.keys(body).length > 0,
  "At least one field must be given",
);
