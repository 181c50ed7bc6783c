import { NotFoundError } from "../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { BEDRIFT } from "../bedrift/mod.ts";
import type { BedriftState } from "../bedrift/mod.ts";
import { INVOICE_SEQUENCE } from "../invoice_sequence/mod.ts";
import type { InvoiceSequenceState } from "../invoice_sequence/mod.ts";
import { untrackOpenItem } from "../open_items/mod.ts";
import { osloDay } from "../validators/mod.ts";
import { consumerReminderFeeCap, DEFAULT_RATES } from "./dated_rates.ts";
import type { DatedRates } from "./dated_rates.ts";
import { INVOICE } from "./types.ts";
import { releaseNumber } from "./send_invoice.ts";
import { InvoiceStatus } from "./types.ts";
import type { InvoiceEvent } from "./events.ts";
import type { InvoiceState } from "./types.ts";

type Result = AskResult<InvoiceEvent, InvoiceState>;

export interface RegisterPaymentInput {
  id: string;
  paymentId: string;
  amount: string;
  /** Defaults to the day of `at` in Norway. */
  paidOn?: string;
  reference?: string | null;
  at: string;
}

/**
 * Registers a payment. Over-payment is refused (`invoice.overpayment`): TMS
 * has no customer ledger to hold a credit balance, and an invoice that owes a
 * negative amount would break receivables and the MVA report; the office
 * registers what is due and refunds or books the excess on its own.
 */
export async function registerInvoicePayment(
  system: ActorClient,
  input: RegisterPaymentInput,
  options: AskOptions = {},
): Promise<Result> {
  const result = await system.ask<InvoiceEvent, InvoiceState>(
    INVOICE,
    input.id,
    {
      type: "register_payment",
      paymentId: input.paymentId,
      amount: input.amount,
      paidOn: input.paidOn ?? osloDay(input.at),
      reference: input.reference ?? null,
      at: input.at,
    },
    options,
  );
  if (result.state.status === InvoiceStatus.BETALT) {
    await untrackOpenItem(
      system,
      result.state.bedriftId,
      "invoice",
      input.id,
      input.at,
    ).catch(() => {});
  }
  return result;
}

export interface RemindInput {
  id: string;
  /** The reminder's day; defaults to the day of `at` in Norway. */
  on?: string;
  at: string;
}

/**
 * Sends the next reminder: the bedrift's purregebyr, capped for consumers at
 * the dated cap in force that day, and the late-payment interest at the dated
 * rates (the decider applies the rules on when and how often).
 */
export async function remindInvoice(
  system: ActorClient,
  input: RemindInput,
  options: AskOptions & { rates?: DatedRates } = {},
): Promise<Result> {
  const { rates = DEFAULT_RATES, ...askOptions } = options;
  const invoice = await system.read<InvoiceState>(INVOICE, input.id, {
    signal: options.signal,
    principal: options.principal,
  });
  if (invoice.version === 0) throw new NotFoundError("Invoice does not exist");
  const bedrift = await system.read<BedriftState>(
    BEDRIFT,
    invoice.state.bedriftId,
    { signal: options.signal, principal: options.principal },
  );
  const on = input.on ?? osloDay(input.at);
  return await system.ask<InvoiceEvent, InvoiceState>(INVOICE, input.id, {
    type: "remind",
    on,
    purregebyr: bedrift.state.invoiceSettings.purregebyr,
    gebyrTak: consumerReminderFeeCap(rates, on),
    renteSatser: rates.forsinkelsesrente,
    at: input.at,
  }, askOptions);
}

/**
 * Cancels a draft; a number reserved for it by an interrupted send goes back
 * to the series, since a cancelled invoice can never be sent.
 */
export async function cancelInvoice(
  system: ActorClient,
  input: { id: string; reason?: string | null; at: string },
  options: AskOptions = {},
): Promise<Result> {
  const result = await system.ask<InvoiceEvent, InvoiceState>(
    INVOICE,
    input.id,
    { type: "cancel", reason: input.reason ?? null, at: input.at },
    options,
  );
  const bedriftId = result.state.bedriftId;
  const sequence = await system.read<InvoiceSequenceState>(
    INVOICE_SEQUENCE,
    bedriftId,
  );
  const pending = sequence.state.pending[input.id];
  if (pending !== undefined) {
    await releaseNumber(system, bedriftId, input.id, pending, input.at);
  }
  return result;
}
