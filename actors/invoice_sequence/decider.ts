import { DomainError } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import { invoiceSequenceEvent } from "./events.ts";
import type { InvoiceSequenceEvent } from "./events.ts";

/** Stable error codes of the invoice number series. */
export const InvoiceSequenceErrorCode = {
  EXHAUSTED: "invoice_sequence.exhausted",
} as const;

/** Highest number a series hands out (a KID carries 8 digits of it). */
export const MAX_SEQUENCE_NUMBER = 99_999_999;

/** Confirmed numbers remembered, so a late duplicate send asks for the same. */
export const RECENT_CONFIRMED = 256;

/**
 * The gap-free invoice number series of one bedrift (actor id = bedrift id).
 *
 * A number is reserved for one invoice id and stays bound to it: asking again
 * for the same invoice returns the same number, so a crash between reserving
 * and sending neither skips nor reuses a number. `confirm` records that the
 * invoice was sent with it. `release` gives a pending number back only when
 * the invoice can provably never be sent with it (it was cancelled, or it was
 * sent with another number); the next reservation takes the lowest released
 * number first, so the series has no hole once that invoice is sent.
 */
export type InvoiceSequenceCommand =
  | {
    type: "reserve";
    invoiceId: string;
    /** The bedrift's `fakturaStartNummer`; used by the first reservation only. */
    startNummer: number;
    at: string;
  }
  | { type: "confirm"; invoiceId: string; number: number; at: string }
  | { type: "release"; invoiceId: string; number: number; at: string };

export interface InvoiceSequenceState {
  /** The next fresh number; `null` until the first reservation. */
  next: number | null;
  /** Numbers reserved and not yet confirmed, by invoice id. */
  pending: Record<string, number>;
  /** Released numbers, lowest first, handed out before fresh ones. */
  free: number[];
  /** How many numbers were confirmed (sent). */
  confirmed: number;
  /** The latest confirmed `[invoiceId, number]` pairs, oldest first. */
  recent: [string, number][];
}

/**
 * The number reserved (or lately confirmed) for an invoice, or `null`.
 *
 * @example
 * ```ts
 * const { state } = await system.ask("invoice_sequence", bedriftId, reserve);
 * reservedNumber(state, invoiceId); // 1000
 * ```
 */
export function reservedNumber(
  state: InvoiceSequenceState,
  invoiceId: string,
): number | null {
  if (Object.hasOwn(state.pending, invoiceId)) return state.pending[invoiceId];
  return state.recent.find(([id]) => id === invoiceId)?.[1] ?? null;
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer`);
  }
  return value;
}

export const invoiceSequenceDecider: Decider<
  InvoiceSequenceCommand,
  InvoiceSequenceEvent,
  InvoiceSequenceState
> = {
  initialState: { next: null, pending: {}, free: [], confirmed: 0, recent: [] },
  decide(command, state) {
    if (typeof command.invoiceId !== "string" || command.invoiceId === "") {
      throw new TypeError("An invoice sequence command needs an invoiceId");
    }
    switch (command.type) {
      case "reserve": {
        if (reservedNumber(state, command.invoiceId) !== null) return [];
        let number = state.free[0];
        if (number === undefined) {
          number = state.next ?? positive(command.startNummer, "startNummer");
          if (number > MAX_SEQUENCE_NUMBER) {
            throw new DomainError(
              InvoiceSequenceErrorCode.EXHAUSTED,
              `The invoice series has reached ${MAX_SEQUENCE_NUMBER}`,
            );
          }
        }
        return [
          invoiceSequenceEvent("invoice_sequence.reserved", {
            invoiceId: command.invoiceId,
            number,
            at: command.at,
          }),
        ];
      }
      case "confirm":
      case "release": {
        if (state.pending[command.invoiceId] !== command.number) return [];
        return [
          invoiceSequenceEvent(
            command.type === "confirm"
              ? "invoice_sequence.confirmed"
              : "invoice_sequence.released",
            {
              invoiceId: command.invoiceId,
              number: command.number,
              at: command.at,
            },
          ),
        ];
      }
      default:
        throw new TypeError(
          `Unknown invoice sequence command ${
            (command as { type: string }).type
          }`,
        );
    }
  },
  evolve(state, event) {
    const { invoiceId, number } = event.data;
    const { [invoiceId]: _, ...others } = state.pending;
    switch (event.type) {
      case "invoice_sequence.reserved": {
        const fromFree = state.free[0] === number;
        return {
          ...state,
          next: fromFree ? state.next : number + 1,
          free: fromFree ? state.free.slice(1) : state.free,
          pending: { ...state.pending, [invoiceId]: number },
        };
      }
      case "invoice_sequence.confirmed":
        return {
          ...state,
          pending: others,
          confirmed: state.confirmed + 1,
          recent: [
            ...state.recent.slice(-(RECENT_CONFIRMED - 1)),
            [invoiceId, number],
          ],
        };
      case "invoice_sequence.released":
        return {
          ...state,
          pending: others,
          free: [...state.free, number].sort((a, b) => a - b),
        };
      default:
        return state;
    }
  },
};

export const INVOICE_SEQUENCE = "invoice_sequence";

export const invoiceSequenceActor: ActorDefinition<
  InvoiceSequenceCommand,
  InvoiceSequenceEvent,
  InvoiceSequenceState
> = {
  type: INVOICE_SEQUENCE,
  decider: invoiceSequenceDecider,
  stateVersion: 1,
};
