import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import { isOrganisasjonsnummer, mod11CheckDigit } from "../validators/mod.ts";
import { bedriftEvent } from "./events.ts";
import type { BedriftEvent } from "./events.ts";
import {
  BEDRIFT,
  BedriftErrorCode,
  BedriftStatus,
  DEFAULT_INVOICE_SETTINGS,
} from "./types.ts";
import type {
  BedriftCommand,
  BedriftDetails,
  BedriftState,
  InvoiceSettings,
} from "./types.ts";

const KONTONUMMER_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

const TRANSITIONS: Record<BedriftStatus, readonly BedriftStatus[]> = {
  AKTIV: ["SUSPENDERT", "AVVIKLET"],
  SUSPENDERT: ["AKTIV", "AVVIKLET"],
  AVVIKLET: [],
};

function invalid(code: string, message: string): DomainError {
  return new DomainError(code, message, { status: 422 });
}

function requireRegistered(state: BedriftState): BedriftStatus {
  if (state.status === null) {
    throw new NotFoundError("Bedrift is not registered");
  }
  return state.status;
}

function requireWritable(state: BedriftState): void {
  if (requireRegistered(state) === BedriftStatus.AVVIKLET) {
    throw new DomainError(
      BedriftErrorCode.AVVIKLET,
      "Bedrift is avviklet and can no longer change",
    );
  }
}

function checkDetails(details: Partial<BedriftDetails>): void {
  if (details.navn !== undefined && details.navn.trim().length === 0) {
    throw invalid(BedriftErrorCode.NAVN_REQUIRED, "Navn must not be empty");
  }
  if (details.postnummer && !/^\d{4}$/.test(details.postnummer)) {
    throw invalid(
      BedriftErrorCode.INVALID_POSTNUMMER,
      "Postnummer must be 4 digits",
    );
  }
}

function checkInvoiceSettings(changes: Partial<InvoiceSettings>): void {
  const { kontonummer, forfallsdager, fakturaStartNummer, purregebyr } =
    changes;
  if (
    kontonummer != null &&
    (!/^\d{11}$/.test(kontonummer) ||
      mod11CheckDigit(kontonummer, KONTONUMMER_WEIGHTS) !==
        Number(kontonummer[10]))
  ) {
    throw invalid(
      BedriftErrorCode.INVALID_KONTONUMMER,
      "Kontonummer must be 11 digits with a valid MOD11 check digit",
    );
  }
  if (
    forfallsdager !== undefined &&
    (!Number.isInteger(forfallsdager) || forfallsdager < 0 ||
      forfallsdager > 365)
  ) {
    throw invalid(
      BedriftErrorCode.INVALID_FORFALLSDAGER,
      "Forfallsdager must be a whole number of days from 0 to 365",
    );
  }
  if (
    fakturaStartNummer !== undefined &&
    (!Number.isInteger(fakturaStartNummer) || fakturaStartNummer < 1)
  ) {
    throw invalid(
      BedriftErrorCode.INVALID_FAKTURA_START_NUMMER,
      "FakturaStartNummer must be a positive whole number",
    );
  }
  if (purregebyr !== undefined && !/^\d+\.\d{2}$/.test(purregebyr)) {
    throw invalid(
      BedriftErrorCode.INVALID_PURREGEBYR,
      "Purregebyr must be a non-negative amount with two decimals",
    );
  }
}

function changed<T extends object>(
  current: T,
  changes: Partial<T>,
): Partial<T> {
  return Object.fromEntries(
    Object.entries(changes).filter(([key, value]) =>
      value !== undefined && current[key as keyof T] !== value
    ),
  ) as Partial<T>;
}

/** Bedrift: a driving school as a company. */
export const bedriftDecider: Decider<
  BedriftCommand,
  BedriftEvent,
  BedriftState
> = {
  initialState: {
    status: null,
    organisasjonsnummer: "",
    details: { navn: "" },
    invoiceSettings: DEFAULT_INVOICE_SETTINGS,
    statusReason: null,
    createdAt: null,
    updatedAt: null,
  },

  decide(command, state) {
    switch (command.type) {
      case "register": {
        if (state.status !== null) {
          throw new DomainError(
            BedriftErrorCode.ALREADY_REGISTERED,
            "Bedrift is already registered",
          );
        }
        if (!isOrganisasjonsnummer(command.organisasjonsnummer)) {
          throw invalid(
            BedriftErrorCode.INVALID_ORGANISASJONSNUMMER,
            "Organisasjonsnummer must be 9 digits with a valid MOD11 check digit",
          );
        }
        if (command.details.navn === undefined) {
          throw invalid(
            BedriftErrorCode.NAVN_REQUIRED,
            "Navn must not be empty",
          );
        }
        checkDetails(command.details);
        return [bedriftEvent("bedrift.registered", {
          organisasjonsnummer: command.organisasjonsnummer,
          details: command.details,
          at: command.at,
        })];
      }
      case "update": {
        requireWritable(state);
        checkDetails(command.changes);
        const changes = changed(state.details, command.changes);
        if (Object.keys(changes).length === 0) return [];
        return [bedriftEvent("bedrift.updated", { changes, at: command.at })];
      }
      case "change_status": {
        const from = requireRegistered(state);
        if (from === command.status) return [];
        if (!TRANSITIONS[from].includes(command.status)) {
          throw new DomainError(
            BedriftErrorCode.INVALID_STATUS_TRANSITION,
            `Status cannot change from ${from} to ${command.status}`,
          );
        }
        return [bedriftEvent("bedrift.status_changed", {
          from,
          to: command.status,
          reason: command.reason ?? null,
          at: command.at,
        })];
      }
      case "change_invoice_settings": {
        requireWritable(state);
        checkInvoiceSettings(command.changes);
        const changes = changed(state.invoiceSettings, command.changes);
        if (Object.keys(changes).length === 0) return [];
        return [
          bedriftEvent("bedrift.invoice_settings_changed", {
            changes,
            at: command.at,
          }),
        ];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "bedrift.registered":
        return {
          ...state,
          status: BedriftStatus.AKTIV,
          organisasjonsnummer: event.data.organisasjonsnummer,
          details: event.data.details,
          createdAt: event.data.at,
          updatedAt: event.data.at,
        };
      case "bedrift.updated":
        return {
          ...state,
          details: { ...state.details, ...event.data.changes },
          updatedAt: event.data.at,
        };
      case "bedrift.status_changed":
        return {
          ...state,
          status: event.data.to,
          statusReason: event.data.reason,
          updatedAt: event.data.at,
        };
      case "bedrift.invoice_settings_changed":
        return {
          ...state,
          invoiceSettings: { ...state.invoiceSettings, ...event.data.changes },
          updatedAt: event.data.at,
        };
    }
  },
};

export const bedriftActor: ActorDefinition<
  BedriftCommand,
  BedriftEvent,
  BedriftState
> = {
  type: BEDRIFT,
  decider: bedriftDecider,
  stateVersion: 1,
  // A bedrift is its own tenant.
  tenantOf: (_state, _command, id) => id,
};
