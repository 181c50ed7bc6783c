import { z } from "../deps.ts";
import { moneyString, organisasjonsnummer } from "./common.ts";
import { money } from "./money.ts";

/** Body of `POST /api/v1/invoices`. */
export const DraftInvoiceBody = z.strictObject({
  bedriftId: z.string().min(1).max(100),
  kunde: z.strictObject({
    navn: z.string().trim().min(1, "Must not be empty").max(200),
    epost: z.email().nullish(),
    organisasjonsnummer: organisasjonsnummer.nullish(),
    kundenummer: z.string().regex(/^\d{1,10}$/, "Must be 1–10 digits")
      .nullish(),
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

const reason = z.string().trim().max(500).nullish();

/** Body of `POST /api/v1/invoices/:id/send`: nothing (may be empty). */
export const SendInvoiceBody = z.strictObject({});

/** Body of `POST /api/v1/invoices/:id/payments`. */
export const RegisterPaymentBody = z.strictObject({
  amount: money(
    moneyString.refine((v) => /[1-9]/.test(v), "Must be more than zero"),
  ),
  /** The day the money arrived; today (Norwegian time) when left out. */
  paidOn: z.iso.date().optional(),
  reference: z.string().trim().max(100).nullish(),
});

/** Body of `POST /api/v1/invoices/:id/remind`: nothing (may be empty). */
export const RemindInvoiceBody = z.strictObject({});

/** Body of `POST /api/v1/invoices/:id/cancel` (may be empty). */
export const CancelInvoiceBody = z.strictObject({ reason });

/** Body of `POST /api/v1/invoices/:id/credit` (may be empty). */
export const CreditInvoiceBody = z.strictObject({ reason });
