import { z } from "../deps.ts";
import { isOrganisasjonsnummer } from "../actors/validators/mod.ts";
import { money } from "./money.ts";

/** 9 digits with a valid MOD11 check digit. */
export const organisasjonsnummer = z.string().regex(
  /^\d{9}$/,
  "Must be 9 digits",
)
  .refine(isOrganisasjonsnummer, "Check digit (MOD11) is wrong");

/** An amount in NOK as a string with at most two decimals, e.g. "1250.00". */
export const moneyString = money(
  z.string().regex(
    /^\d+(\.\d{1,2})?$/,
    "Must be a non-negative amount as a string with at most two decimals",
  ),
);

export const optionalText = (max: number) =>
  z.string().trim().max(max).nullish();
