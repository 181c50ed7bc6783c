import { DomainError, NotFoundError } from "../../runtime/mod.ts";
import type {
  ActorDefinition,
  Decider,
  DomainEvent,
} from "../../runtime/mod.ts";
import { isOrganisasjonsnummer } from "../validators/mod.ts";
import {
  invoiceTotals,
  isMoney,
  isQuantity,
  lineAmounts,
  MVA_RATES,
} from "./money.ts";
import type { InvoiceTotals, LineAmounts, MvaRate } from "./money.ts";

/** Invoice statuses of DOMAIN.md; only UTKAST (draft) is editable. */
export const InvoiceStatus = {
  UTKAST: "UTKAST",
  SENDT: "SENDT",
  DELVIS_BETALT: "DELVIS_BETALT",
  BETALT: "BETALT",
  PURRET: "PURRET",
  KANSELLERT: "KANSELLERT",
  KREDITERT: "KREDITERT",
} as const;
export type InvoiceStatus = typeof InvoiceStatus[keyof typeof InvoiceStatus];

/** The customer of an invoice: a learner or a company. */
export interface Kunde {
  navn: string;
  epost?: string | null;
  organisasjonsnummer?: string | null;
}

/** A line as stored: input plus its rounded amounts. */
export interface InvoiceLine extends LineAmounts {
  lineId: string;
  beskrivelse: string;
  antall: string;
  enhetspris: string;
  mvaSats: MvaRate;
}

/** Most lines one invoice may hold (keeps a commit well inside log limits). */
export const MAX_LINES = 200;

export type InvoiceCommand =
  | { type: "draft"; bedriftId: string; kunde: Kunde; at: string }
  | {
    type: "add_line";
    lineId: string;
    beskrivelse: string;
    antall: string;
    enhetspris: string;
    mvaSats: number;
    at: string;
  }
  | { type: "remove_line"; lineId: string; at: string };

export type InvoiceEvent =
  | DomainEvent<
    "invoice.drafted",
    { bedriftId: string; kunde: Kunde; at: string }
  >
  | DomainEvent<"invoice.line_added", { line: InvoiceLine; at: string }>
  | DomainEvent<"invoice.line_removed", { lineId: string; at: string }>;

export interface InvoiceState {
  status: InvoiceStatus | null;
  bedriftId: string;
  kunde: Kunde;
  lines: InvoiceLine[];
  totals: InvoiceTotals;
  createdAt: string | null;
  updatedAt: string | null;
}

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function requireDraft(state: InvoiceState): void {
  if (state.status === null) {
    throw new NotFoundError("Invoice does not exist");
  }
  if (state.status !== InvoiceStatus.UTKAST) {
    throw new DomainError(
      "invoice.not_editable",
      `Invoice is ${state.status}; only an UTKAST can be edited`,
    );
  }
}

function checkKunde(kunde: Kunde): void {
  if (kunde.navn.trim().length === 0) {
    throw invalid(
      "invoice.kunde_navn_required",
      "Kunde navn must not be empty",
    );
  }
  if (
    kunde.organisasjonsnummer &&
    !isOrganisasjonsnummer(kunde.organisasjonsnummer)
  ) {
    throw invalid(
      "invoice.invalid_kunde_organisasjonsnummer",
      "Kunde organisasjonsnummer must be 9 digits with a valid MOD11 check digit",
    );
  }
}

function checkLine(
  command: Extract<InvoiceCommand, { type: "add_line" }>,
): MvaRate {
  if (command.beskrivelse.trim().length === 0) {
    throw invalid(
      "invoice.beskrivelse_required",
      "Beskrivelse must not be empty",
    );
  }
  if (!isQuantity(command.antall)) {
    throw invalid(
      "invoice.invalid_antall",
      "Antall must be a positive number with at most three decimals",
    );
  }
  if (!isMoney(command.enhetspris) || command.enhetspris.startsWith("-")) {
    throw invalid(
      "invoice.invalid_enhetspris",
      "Enhetspris must be a non-negative amount with at most two decimals",
    );
  }
  const rate = MVA_RATES.find((r) => r === command.mvaSats);
  if (rate === undefined) {
    throw invalid(
      "invoice.invalid_mva_sats",
      "MVA sats must be 25, 15, 12 or 0",
    );
  }
  return rate;
}

const EMPTY_TOTALS = invoiceTotals([]);

/** Invoice (faktura), draft phase: draft, add line, remove line. */
export const invoiceDecider: Decider<
  InvoiceCommand,
  InvoiceEvent,
  InvoiceState
> = {
  initialState: {
    status: null,
    bedriftId: "",
    kunde: { navn: "" },
    lines: [],
    totals: EMPTY_TOTALS,
    createdAt: null,
    updatedAt: null,
  },

  decide(command, state) {
    switch (command.type) {
      case "draft": {
        if (state.status !== null) {
          throw new DomainError(
            "invoice.already_drafted",
            "Invoice already exists",
          );
        }
        checkKunde(command.kunde);
        return [{
          type: "invoice.drafted",
          v: 1,
          data: {
            bedriftId: command.bedriftId,
            kunde: command.kunde,
            at: command.at,
          },
        }];
      }
      case "add_line": {
        requireDraft(state);
        const mvaSats = checkLine(command);
        if (state.lines.some((l) => l.lineId === command.lineId)) {
          throw new DomainError(
            "invoice.line_exists",
            "Line id is already in use",
          );
        }
        if (state.lines.length >= MAX_LINES) {
          throw invalid(
            "invoice.too_many_lines",
            `An invoice holds at most ${MAX_LINES} lines`,
          );
        }
        const line: InvoiceLine = {
          lineId: command.lineId,
          beskrivelse: command.beskrivelse,
          antall: command.antall,
          enhetspris: command.enhetspris,
          mvaSats,
          ...lineAmounts(command.antall, command.enhetspris, mvaSats),
        };
        return [{
          type: "invoice.line_added",
          v: 1,
          data: { line, at: command.at },
        }];
      }
      case "remove_line": {
        requireDraft(state);
        if (!state.lines.some((l) => l.lineId === command.lineId)) {
          throw new DomainError(
            "invoice.line_not_found",
            "No line with that id",
            {
              status: 422,
            },
          );
        }
        return [{
          type: "invoice.line_removed",
          v: 1,
          data: { lineId: command.lineId, at: command.at },
        }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "invoice.drafted":
        return {
          ...state,
          status: InvoiceStatus.UTKAST,
          bedriftId: event.data.bedriftId,
          kunde: event.data.kunde,
          createdAt: event.data.at,
          updatedAt: event.data.at,
        };
      case "invoice.line_added": {
        const lines = [...state.lines, event.data.line];
        return {
          ...state,
          lines,
          totals: invoiceTotals(lines),
          updatedAt: event.data.at,
        };
      }
      case "invoice.line_removed": {
        const lines = state.lines.filter((l) => l.lineId !== event.data.lineId);
        return {
          ...state,
          lines,
          totals: invoiceTotals(lines),
          updatedAt: event.data.at,
        };
      }
    }
  },
};

export const INVOICE = "invoice";

export const invoiceActor: ActorDefinition<
  InvoiceCommand,
  InvoiceEvent,
  InvoiceState
> = {
  type: INVOICE,
  decider: invoiceDecider,
  stateVersion: 1,
};
