/**
 * The invoice after its draft phase: send, payments, reminders, cancel, and
 * credit notes. Pure rules; the flows (`send_invoice.ts`, …) gather the facts.
 */
import { invoiceEvent } from "./events.ts";
import { InvoiceErrorCode } from "./types.ts";
import { Decimal } from "../../deps.ts";
import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import {
  addDays,
  daysBetween,
  isKid,
  isKontonummer,
  isOrganisasjonsnummer,
  isPlainDate,
  KidAlgorithm,
} from "../validators/mod.ts";
import { invoiceBalance, unpaidPrincipal } from "./balance.ts";
import { lateInterest } from "./dated_rates.ts";
import { isMoney } from "./money.ts";
import {
  InvoiceKind,
  InvoiceStatus,
  KundeKind,
  ReminderRules,
} from "./types.ts";
import { kundeOf } from "./kunde.ts";
import type { InvoiceEvent } from "./events.ts";
import type { InvoiceCommand, InvoiceLine, InvoiceState } from "./types.ts";

type Cmd<T extends InvoiceCommand["type"]> = Extract<
  InvoiceCommand,
  { type: T }
>;

const OPEN: readonly InvoiceStatus[] = [
  InvoiceStatus.SENDT,
  InvoiceStatus.DELVIS_BETALT,
  InvoiceStatus.PURRET,
];

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function requireExisting(state: InvoiceState): InvoiceStatus {
  if (state.status === null) throw new NotFoundError("Invoice does not exist");
  return state.status;
}

function date(value: string, name: string): string {
  if (!isPlainDate(value)) {
    throw invalid(
      InvoiceErrorCode.INVALID_DATE,
      `${name} must be a date YYYY-MM-DD`,
    );
  }
  return value;
}

/**
 * Throws unless the invoice is a draft with lines that can be sent. The send
 * flow calls it before it reserves a number, so a refused send skips none.
 */
export function assertSendable(state: InvoiceState): void {
  const status = requireExisting(state);
  if (status !== InvoiceStatus.UTKAST) {
    throw new DomainError(
      InvoiceErrorCode.NOT_DRAFT,
      `Invoice is ${status}; only an UTKAST can be sent`,
    );
  }
  if (state.lines.length === 0) {
    throw new DomainError(
      InvoiceErrorCode.NO_LINES,
      "An invoice without lines cannot be sent",
    );
  }
}

export function send(
  command: Cmd<"send">,
  state: InvoiceState,
): InvoiceEvent[] {
  if (state.sent !== null && state.sent.number === command.number) return [];
  assertSendable(state);
  const credit = state.kind === InvoiceKind.KREDITNOTA;
  if (!Number.isSafeInteger(command.number) || command.number < 1) {
    throw invalid(
      InvoiceErrorCode.INVALID_NUMBER,
      "Number must be a positive integer",
    );
  }
  if (!command.fakturanummer.endsWith(String(command.number))) {
    throw invalid(
      InvoiceErrorCode.INVALID_FAKTURANUMMER,
      "Fakturanummer must be the prefix followed by the number",
    );
  }
  const algorithm = command.kidAlgoritme;
  if (!Object.hasOwn(KidAlgorithm, algorithm)) {
    throw invalid(
      InvoiceErrorCode.INVALID_KID,
      "KID algorithm must be MOD10 or MOD11",
    );
  }
  if (credit ? command.kid !== null : !isKid(command.kid ?? "", algorithm)) {
    throw invalid(
      InvoiceErrorCode.INVALID_KID,
      credit
        ? "A credit note has no KID"
        : `KID must be 2–25 digits with a valid ${algorithm} check digit`,
    );
  }
  const fakturadato = date(command.fakturadato, "Fakturadato");
  const forfallsdato = date(command.forfallsdato, "Forfallsdato");
  if (forfallsdato < fakturadato) {
    throw invalid(
      InvoiceErrorCode.INVALID_FORFALLSDATO,
      "Forfallsdato must not be before fakturadato",
    );
  }
  const { selger } = command;
  if (
    !selger.navn?.trim() || !isOrganisasjonsnummer(selger.organisasjonsnummer)
  ) {
    throw invalid(
      InvoiceErrorCode.INVALID_SELGER,
      "The seller needs a navn and a valid organisasjonsnummer",
    );
  }
  if (selger.kontonummer !== null && !isKontonummer(selger.kontonummer)) {
    throw invalid(
      InvoiceErrorCode.INVALID_SELGER,
      "Seller kontonummer is not valid",
    );
  }
  if (!credit && selger.kontonummer === null) {
    throw invalid(
      InvoiceErrorCode.KONTONUMMER_MISSING,
      "An invoice needs the seller's kontonummer",
    );
  }
  return [invoiceEvent("invoice.sent", {
    kind: state.kind,
    number: command.number,
    fakturanummer: command.fakturanummer,
    kid: command.kid,
    kidAlgoritme: algorithm,
    fakturadato,
    forfallsdato,
    selger: { ...selger },
    totals: state.totals,
    at: command.at,
  })];
}

function requireOpenFaktura(state: InvoiceState, action: string): void {
  const status = requireExisting(state);
  if (state.kind === InvoiceKind.KREDITNOTA) {
    throw invalid(
      InvoiceErrorCode.IS_CREDIT_NOTE,
      `A credit note cannot be ${action}`,
    );
  }
  if (OPEN.includes(status)) return;
  if (status === InvoiceStatus.UTKAST) {
    throw new DomainError(
      InvoiceErrorCode.NOT_SENT,
      `Send the invoice before it is ${action}`,
    );
  }
  if (status === InvoiceStatus.BETALT) {
    throw new DomainError(InvoiceErrorCode.ALREADY_PAID, "The invoice is paid");
  }
  throw new DomainError(InvoiceErrorCode.CLOSED, `Invoice is ${status}`);
}

export function registerPayment(
  command: Cmd<"register_payment">,
  state: InvoiceState,
): InvoiceEvent[] {
  const existing = state.payments.find((p) =>
    p.paymentId === command.paymentId
  );
  if (existing) {
    if (
      existing.amount === money(command.amount) &&
      existing.paidOn === command.paidOn
    ) {
      return [];
    }
    throw new DomainError(
      InvoiceErrorCode.PAYMENT_EXISTS,
      "Another payment with that id is registered",
    );
  }
  requireOpenFaktura(state, "paid");
  if (!isMoney(command.amount) || !new Decimal(command.amount).greaterThan(0)) {
    throw invalid(
      InvoiceErrorCode.INVALID_AMOUNT,
      "Amount must be positive with at most two decimals",
    );
  }
  const paidOn = date(command.paidOn, "paidOn");
  const amount = money(command.amount);
  const before = new Decimal(invoiceBalance(state).utestaende);
  if (before.lessThan(amount)) {
    throw new DomainError(
      InvoiceErrorCode.OVERPAYMENT,
      `The payment of ${amount} exceeds the ${
        before.toFixed(2)
      } left to pay; register at most that and refund the rest`,
    );
  }
  const utestaende = before.minus(amount).toFixed(2);
  const events: InvoiceEvent[] = [invoiceEvent("invoice.payment_registered", {
    paymentId: command.paymentId,
    amount,
    paidOn,
    reference: command.reference?.trim() || null,
    utestaende,
    at: command.at,
  })];
  if (new Decimal(utestaende).isZero()) {
    const betalt = new Decimal(invoiceBalance(state).betalt).plus(amount);
    events.push(
      invoiceEvent("invoice.paid", {
        paidOn,
        betalt: betalt.toFixed(2),
        at: command.at,
      }),
    );
  }
  return events;
}

export function remind(
  command: Cmd<"remind">,
  state: InvoiceState,
): InvoiceEvent[] {
  requireOpenFaktura(state, "reminded");
  const sent = state.sent!;
  const on = date(command.on, "on");
  if (on <= sent.forfallsdato) {
    throw new DomainError(
      InvoiceErrorCode.NOT_OVERDUE,
      `The invoice is due ${sent.forfallsdato}; remind only after that`,
    );
  }
  const last = state.reminders.at(-1);
  if (state.reminders.length >= ReminderRules.maxReminders) {
    throw new DomainError(
      InvoiceErrorCode.REMINDER_LIMIT_REACHED,
      `${ReminderRules.maxReminders} reminders are sent; the claim is due for debt collection`,
    );
  }
  if (last && daysBetween(last.on, on) < ReminderRules.minDaysBetween) {
    throw new DomainError(
      InvoiceErrorCode.REMINDER_TOO_SOON,
      `The last reminder was ${last.on}; the next may follow ${ReminderRules.minDaysBetween} days later`,
    );
  }
  if (!isMoney(command.purregebyr) || command.purregebyr.startsWith("-")) {
    throw invalid(
      InvoiceErrorCode.INVALID_AMOUNT,
      "Purregebyr must be an amount",
    );
  }
  const fees = state.reminders.filter((r) => !new Decimal(r.gebyr).isZero());
  const feeAllowed = fees.length < ReminderRules.maxFees &&
    on >= addDays(sent.forfallsdato, ReminderRules.feeFromDaysAfterDue);
  const consumer = state.kunde.kind === KundeKind.PRIVAT;
  let gebyr = new Decimal(feeAllowed ? command.purregebyr : 0);
  if (consumer && command.gebyrTak !== null) {
    gebyr = Decimal.min(gebyr, command.gebyrTak);
  }
  const renteFra = last?.on ?? sent.forfallsdato;
  const rente = lateInterest(
    unpaidPrincipal(state),
    renteFra,
    on,
    command.renteSatser,
  );
  const utestaende = new Decimal(invoiceBalance(state).utestaende).plus(gebyr)
    .plus(rente);
  return [invoiceEvent("invoice.reminded", {
    step: state.reminders.length + 1,
    on,
    gebyr: gebyr.toFixed(2),
    rente,
    renteFra,
    utestaende: utestaende.toFixed(2),
    at: command.at,
  })];
}

export function cancel(
  command: Cmd<"cancel">,
  state: InvoiceState,
): InvoiceEvent[] {
  const status = requireExisting(state);
  if (status === InvoiceStatus.KANSELLERT) return [];
  if (state.kind === InvoiceKind.KREDITNOTA) {
    throw new DomainError(
      InvoiceErrorCode.CREDIT_NOTE_NOT_CANCELLABLE,
      "A credit note cannot be cancelled",
    );
  }
  if (status !== InvoiceStatus.UTKAST) {
    throw new DomainError(
      InvoiceErrorCode.NOT_CANCELLABLE,
      `Invoice is ${status}; only an UTKAST can be cancelled, credit it instead`,
    );
  }
  return [
    invoiceEvent("invoice.cancelled", {
      reason: command.reason?.trim() || null,
      at: command.at,
    }),
  ];
}

/** Throws unless the invoice is a sent, uncredited ordinary invoice. */
export function assertCreditable(state: InvoiceState): void {
  const status = requireExisting(state);
  if (state.kind === InvoiceKind.KREDITNOTA) {
    throw invalid(
      InvoiceErrorCode.IS_CREDIT_NOTE,
      "A credit note cannot be credited",
    );
  }
  if (status === InvoiceStatus.UTKAST) {
    throw new DomainError(
      InvoiceErrorCode.NOT_SENT,
      "A draft is not credited; cancel it instead",
    );
  }
  if (status === InvoiceStatus.KANSELLERT) {
    throw new DomainError(InvoiceErrorCode.CLOSED, "The invoice is cancelled");
  }
  if (status === InvoiceStatus.KREDITERT) {
    throw new DomainError(
      InvoiceErrorCode.ALREADY_CREDITED,
      `The invoice is credited by ${state.kreditertAv?.fakturanummer}`,
    );
  }
}

function negate(value: string): string {
  const negated = new Decimal(value).negated();
  return negated.isZero() ? "0.00" : negated.toFixed(2);
}

function negatedLine(line: InvoiceLine): InvoiceLine {
  return {
    ...line,
    antall: line.antall.startsWith("-")
      ? line.antall.slice(1)
      : `-${line.antall}`,
    netto: negate(line.netto),
    mva: negate(line.mva),
    brutto: negate(line.brutto),
  };
}

export function createCreditNote(
  command: Cmd<"create_credit_note">,
  state: InvoiceState,
): InvoiceEvent[] {
  if (state.status !== null) {
    if (state.kreditnotaFor?.invoiceId === command.original.invoiceId) {
      return [];
    }
    throw new DomainError(
      InvoiceErrorCode.ALREADY_DRAFTED,
      "Invoice already exists",
    );
  }
  if (command.lines.length === 0) {
    throw invalid(
      InvoiceErrorCode.NO_LINES,
      "A credit note needs the original's lines",
    );
  }
  return [
    invoiceEvent("invoice.drafted", {
      bedriftId: command.bedriftId,
      kunde: kundeOf(command.kunde),
      at: command.at,
      kreditnotaFor: { ...command.original },
    }),
    ...command.lines.map((
      line,
    ): InvoiceEvent => (invoiceEvent("invoice.line_added", {
      line: negatedLine(line),
      at: command.at,
    }))),
  ];
}

export function credit(
  command: Cmd<"credit">,
  state: InvoiceState,
): InvoiceEvent[] {
  if (
    state.status === InvoiceStatus.KREDITERT &&
    state.kreditertAv?.invoiceId === command.creditNote.invoiceId
  ) {
    return [];
  }
  assertCreditable(state);
  return [invoiceEvent("invoice.credited", {
    creditNote: { ...command.creditNote },
    amount: state.totals.brutto,
    reason: command.reason?.trim() || null,
    at: command.at,
  })];
}

function money(value: string): string {
  return isMoney(value) ? new Decimal(value).toFixed(2) : value;
}
