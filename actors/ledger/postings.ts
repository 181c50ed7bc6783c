/**
 * What each economic event posts: pure functions from an event (and what
 * the ledger knows of its invoice or expense) to a balanced journal entry.
 * Amounts are signed while built (positive: debit) and land on the debit or
 * credit side by their sign, so a credit note — negative amounts — posts
 * the reverse of an invoice through the same rule.
 */
import { Decimal } from "../../deps.ts";
import type { Approval, ExpenseEvent } from "../expense/mod.ts";
import type { InvoiceEvent, MvaRate } from "../invoice/mod.ts";
import { Konto, REVENUE_KONTO } from "./accounts.ts";

/** How an entry came about. */
export const PostingKind = {
  FAKTURA: "FAKTURA",
  KREDITNOTA: "KREDITNOTA",
  INNBETALING: "INNBETALING",
  PURRING: "PURRING",
  KREDITERT: "KREDITERT",
  UTGIFT: "UTGIFT",
  UTGIFT_TILBAKEKALT: "UTGIFT_TILBAKEKALT",
  UTGIFT_BETALT: "UTGIFT_BETALT",
} as const;
export type PostingKind = typeof PostingKind[keyof typeof PostingKind];

/** One line of an entry: one side is zero. */
export interface PostingLine {
  konto: string;
  debet: string;
  kredit: string;
  /** The MVA rate of a revenue, output-MVA or input-MVA line. */
  mvaSats: MvaRate | null;
  /** On 1500 lines: the invoice the claim belongs to (a credit note's: the one it credits). */
  invoiceId: string | null;
  /** On 2400 lines: the expense the debt belongs to. */
  expenseId: string | null;
}

/** A journal entry before it is stored with its source commit. */
export interface Posting {
  bedriftId: string;
  /** `YYYY-MM-DD`: the date it is booked on. */
  dato: string;
  kind: PostingKind;
  tekst: string;
  lines: PostingLine[];
}

/** What the ledger keeps of an invoice to post its events. */
export interface LedgerInvoice {
  id: string;
  bedriftId: string;
  /** On a credit note: the invoice it credits. */
  kreditnotaFor: string | null;
  fakturanummer: string | null;
  /** Reminder fees and interest posted and not written off. */
  gebyrer: string;
  renter: string;
}

type Data<E extends { type: string; data: unknown }, T extends E["type"]> =
  Extract<E, { type: T }>["data"];

/** One line to be: its account, signed amount (positive: debit) and tags. */
type Item = readonly [konto: string, amount: Decimal.Value, tags?: Tags];

interface Tags {
  mvaSats?: MvaRate;
  invoiceId?: string;
  expenseId?: string;
}

/** Lines of signed amounts (positive: debit); zero amounts leave no line. */
function lines(
  ...items: Item[]
): PostingLine[] {
  const out: PostingLine[] = [];
  for (const [konto, value, tags = {}] of items) {
    const amount = new Decimal(value);
    if (amount.isZero()) continue;
    out.push({
      konto,
      debet: amount.greaterThan(0) ? amount.toFixed(2) : "0.00",
      kredit: amount.lessThan(0) ? amount.negated().toFixed(2) : "0.00",
      mvaSats: tags.mvaSats ?? null,
      invoiceId: tags.invoiceId ?? null,
      expenseId: tags.expenseId ?? null,
    });
  }
  return out;
}

/** The posting, or null when it moves nothing (an invoice of 0.00). */
function posting(p: Posting): Posting | null {
  if (p.lines.length === 0) return null;
  assertBalanced(p);
  return p;
}

/**
 * Throws unless debit equals credit to the øre — a posting that does not
 * balance is a bug, and the ledger halts at its commit rather than book it.
 */
export function assertBalanced(p: Posting): void {
  let debet = new Decimal(0);
  let kredit = new Decimal(0);
  for (const line of p.lines) {
    debet = debet.plus(line.debet);
    kredit = kredit.plus(line.kredit);
  }
  if (!debet.equals(kredit)) {
    throw new Error(
      `Entry "${p.tekst}" does not balance: debit ${debet.toFixed(2)}, credit ${
        kredit.toFixed(2)
      }`,
    );
  }
}

/** The claim's key in the receivables: the credited invoice for a credit note. */
function claimOf(invoice: LedgerInvoice): string {
  return invoice.kreditnotaFor ?? invoice.id;
}

/**
 * A sent invoice: debit 1500 with the gross, credit the revenue account of
 * each MVA rate with its base and 2700 with its MVA. A credit note's
 * amounts are negative, so the same rule reverses them.
 */
export function sentPosting(
  invoice: LedgerInvoice,
  d: Data<InvoiceEvent, "invoice.sent">,
): Posting | null {
  const credit = d.kind === "KREDITNOTA";
  const claim = { invoiceId: claimOf(invoice) };
  return posting({
    bedriftId: invoice.bedriftId,
    dato: d.fakturadato,
    kind: credit ? PostingKind.KREDITNOTA : PostingKind.FAKTURA,
    tekst: credit
      ? `Kreditnota ${d.fakturanummer}`
      : `Faktura ${d.fakturanummer}`,
    lines: lines(
      [Konto.KUNDEFORDRINGER, d.totals.brutto, claim],
      ...d.totals.perSats.flatMap((p) => [
        [REVENUE_KONTO[p.mvaSats], new Decimal(p.grunnlag).negated(), {
          mvaSats: p.mvaSats,
        }] satisfies Item,
        [Konto.UTGAENDE_MVA, new Decimal(p.mva).negated(), {
          mvaSats: p.mvaSats,
        }] satisfies Item,
      ]),
    ),
  });
}

/** A payment: debit 1920 bank, credit 1500 — on the day the money arrived. */
export function paymentPosting(
  invoice: LedgerInvoice,
  d: Data<InvoiceEvent, "invoice.payment_registered">,
): Posting | null {
  return posting({
    bedriftId: invoice.bedriftId,
    dato: d.paidOn,
    kind: PostingKind.INNBETALING,
    tekst: `Innbetaling ${invoice.fakturanummer ?? invoice.id}`,
    lines: lines(
      [Konto.BANK, d.amount],
      [Konto.KUNDEFORDRINGER, new Decimal(d.amount).negated(), {
        invoiceId: claimOf(invoice),
      }],
    ),
  });
}

/**
 * A reminder: its fee (3900) and late-payment interest (8050) are added to
 * the claim (1500); neither carries MVA — they compensate a late payment,
 * they are not a sale.
 */
export function reminderPosting(
  invoice: LedgerInvoice,
  d: Data<InvoiceEvent, "invoice.reminded">,
): Posting | null {
  return posting({
    bedriftId: invoice.bedriftId,
    dato: d.on,
    kind: PostingKind.PURRING,
    tekst: `Purring ${d.step} ${invoice.fakturanummer ?? invoice.id}`,
    lines: lines(
      [Konto.KUNDEFORDRINGER, new Decimal(d.gebyr).plus(d.rente), {
        invoiceId: claimOf(invoice),
      }],
      [Konto.PURREGEBYR, new Decimal(d.gebyr).negated()],
      [Konto.RENTEINNTEKT, new Decimal(d.rente).negated()],
    ),
  });
}

/**
 * An invoice credited by its credit note: the credit note reversed the
 * lines; the fees and interest of its reminders fall away with the claim,
 * so they are reversed here (the customer then owes nothing, as the
 * invoice says). What was paid stays as a credit balance on 1500 until the
 * office refunds it.
 */
export function creditedPosting(
  invoice: LedgerInvoice,
  d: Data<InvoiceEvent, "invoice.credited">,
  dato: string,
): Posting | null {
  const gebyrer = new Decimal(invoice.gebyrer);
  const renter = new Decimal(invoice.renter);
  return posting({
    bedriftId: invoice.bedriftId,
    dato,
    kind: PostingKind.KREDITERT,
    tekst: `${
      invoice.fakturanummer ?? invoice.id
    } kreditert av ${d.creditNote.fakturanummer}: gebyr og renter frafalt`,
    lines: lines(
      [Konto.PURREGEBYR, gebyrer],
      [Konto.RENTEINNTEKT, renter],
      [Konto.KUNDEFORDRINGER, gebyrer.plus(renter).negated(), {
        invoiceId: claimOf(invoice),
      }],
    ),
  });
}

/**
 * An approved expense, on the voucher's date: debit the category's account
 * with the cost and 2710 with the deductible input MVA, credit 2400 with
 * the gross owed to the supplier. Without MVA registration the MVA is part
 * of the cost (nothing on 2710).
 */
export function approvalPosting(
  expenseId: string,
  leverandor: string,
  a: Approval,
  sign: 1 | -1 = 1,
  dato: string = a.dato,
): Posting | null {
  return posting({
    bedriftId: a.bedriftId,
    dato,
    kind: sign === 1 ? PostingKind.UTGIFT : PostingKind.UTGIFT_TILBAKEKALT,
    tekst: sign === 1
      ? `Utgift ${leverandor}`
      : `Utgift ${leverandor}: godkjenning trukket tilbake`,
    lines: lines(
      [a.konto, new Decimal(a.kostnad).times(sign)],
      [Konto.INNGAENDE_MVA, new Decimal(a.inngaendeMva).times(sign), {
        mvaSats: a.mvaSats,
      }],
      [Konto.LEVERANDORGJELD, new Decimal(a.brutto).times(-sign), {
        expenseId,
      }],
    ),
  });
}

/** A paid expense: debit 2400, credit 1920 bank — on the day it was paid. */
export function expensePaidPosting(
  bedriftId: string,
  expenseId: string,
  leverandor: string,
  d: Data<ExpenseEvent, "expense.paid">,
): Posting | null {
  return posting({
    bedriftId,
    dato: d.paidOn,
    kind: PostingKind.UTGIFT_BETALT,
    tekst: `Betalt ${leverandor}`,
    lines: lines(
      [Konto.LEVERANDORGJELD, d.amount, { expenseId }],
      [Konto.BANK, new Decimal(d.amount).negated()],
    ),
  });
}
