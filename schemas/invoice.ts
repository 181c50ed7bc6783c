import { z } from "../deps.ts";
import { moneyString, organisasjonsnummer } from "./common.ts";

/** Body of `POST /api/v1/invoices`. */
export const DraftInvoiceBody = z.strictObject({
  bedriftId: z.string().min(1).max(100),
  kunde: z.strictObject({
    navn: z.string().trim().min(1, "Must not be empty").max(200),
    epost: z.email().nullish(),
    organisasjonsnummer: organisasjonsnummer.nullish(),
  }),
});

/** Body of `POST /api/v1/invoices/:id/lines`. */
export const AddLineBody = z.strictObject({
  beskrivelse: z.string().trim().min(1, "Must not be empty").max(500),
  antall: z.union([
    z.number().positive(),
    z.string().regex(/^\d+(\.\d{1,3})?$/, "Must be a positive number"),
  ]),
  enhetspris: moneyString,
  mvaSats: z.union(
    [z.literal(25), z.literal(15), z.literal(12), z.literal(0)],
    {
      error: "Must be 25, 15, 12 or 0",
    },
  ),
});
