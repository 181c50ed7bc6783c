import { DomainError, NotFoundError } from "../../runtime/core/mod.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import type { Decider, DomainEvent } from "../../runtime/core/mod.ts";
import { isOrganisasjonsnummer, mod11CheckDigit } from "../validators/mod.ts";

/** The statuses of a bedrift: AVVIKLET is terminal (a soft delete). */
export const BedriftStatus = {
  AKTIV: "AKTIV",
  SUSPENDERT: "SUSPENDERT",
  AVVIKLET: "AVVIKLET",
} as const;
export type BedriftStatus = typeof BedriftStatus[keyof typeof BedriftStatus];

/** How the KID of this bedrift's invoices gets its check digit. */
export const KidAlgorithm = { MOD10: "MOD10", MOD11: "MOD11" } as const;
export type KidAlgorithm = typeof KidAlgorithm[keyof typeof KidAlgorithm];

/** Contact and address fields that `update` may change. */
export interface BedriftDetails {
  navn: string;
  adresse?: string | null;
  postnummer?: string | null;
  poststed?: string | null;
  telefon?: string | null;
  epost?: string | null;
  naeringskode?: string | null;
  organisasjonsform?: string | null;
}

/** Invoice settings of a bedrift. Money as a string with two decimals. */
export interface InvoiceSettings {
  fakturaPrefix: string;
  fakturaStartNummer: number;
  forfallsdager: number;
  kontonummer: string | null;
  purregebyr: string;
  mvaRegistrert: boolean;
  kidAlgoritme: KidAlgorithm;
}

export const DEFAULT_INVOICE_SETTINGS: InvoiceSettings = {
  fakturaPrefix: "",
  fakturaStartNummer: 1,
  forfallsdager: 14,
  kontonummer: null,
  purregebyr: "0.00",
  mvaRegistrert: false,
  kidAlgoritme: KidAlgorithm.MOD10,
};

export type BedriftCommand =
  | {
    type: "register";
    organisasjonsnummer: string;
    details: BedriftDetails;
    at: string;
  }
  | { type: "update"; changes: Partial<BedriftDetails>; at: string }
  | {
    type: "change_status";
    status: BedriftStatus;
    reason?: string;
    at: string;
  }
  | {
    type: "change_invoice_settings";
    changes: Partial<InvoiceSettings>;
    at: string;
  };

export type BedriftEvent =
  | DomainEvent<"bedrift.registered", {
    organisasjonsnummer: string;
    details: BedriftDetails;
    at: string;
  }>
  | DomainEvent<"bedrift.updated", {
    changes: Partial<BedriftDetails>;
    at: string;
  }>
  | DomainEvent<"bedrift.status_changed", {
    from: BedriftStatus;
    to: BedriftStatus;
    reason: string | null;
    at: string;
  }>
  | DomainEvent<"bedrift.invoice_settings_changed", {
    changes: Partial<InvoiceSettings>;
    at: string;
  }>;

export interface BedriftState {
  status: BedriftStatus | null;
  organisasjonsnummer: string;
  details: BedriftDetails;
  invoiceSettings: InvoiceSettings;
  statusReason: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

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
      "bedrift.avviklet",
      "Bedrift is avviklet and can no longer change",
    );
  }
}

function checkDetails(details: Partial<BedriftDetails>): void {
  if (details.navn !== undefined && details.navn.trim().length === 0) {
    throw invalid("bedrift.navn_required", "Navn must not be empty");
  }
  if (details.postnummer && !/^\d{4}$/.test(details.postnummer)) {
    throw invalid("bedrift.invalid_postnummer", "Postnummer must be 4 digits");
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
      "bedrift.invalid_kontonummer",
      "Kontonummer must be 11 digits with a valid MOD11 check digit",
    );
  }
  if (
    forfallsdager !== undefined &&
    (!Number.isInteger(forfallsdager) || forfallsdager < 0 ||
      forfallsdager > 365)
  ) {
    throw invalid(
      "bedrift.invalid_forfallsdager",
      "Forfallsdager must be a whole number of days from 0 to 365",
    );
  }
  if (
    fakturaStartNummer !== undefined &&
    (!Number.isInteger(fakturaStartNummer) || fakturaStartNummer < 1)
  ) {
    throw invalid(
      "bedrift.invalid_faktura_start_nummer",
      "FakturaStartNummer must be a positive whole number",
    );
  }
  if (purregebyr !== undefined && !/^\d+\.\d{2}$/.test(purregebyr)) {
    throw invalid(
      "bedrift.invalid_purregebyr",
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
            "bedrift.already_registered",
            "Bedrift is already registered",
          );
        }
        if (!isOrganisasjonsnummer(command.organisasjonsnummer)) {
          throw invalid(
            "bedrift.invalid_organisasjonsnummer",
            "Organisasjonsnummer must be 9 digits with a valid MOD11 check digit",
          );
        }
        if (command.details.navn === undefined) {
          throw invalid("bedrift.navn_required", "Navn must not be empty");
        }
        checkDetails(command.details);
        return [{
          type: "bedrift.registered",
          v: 1,
          data: {
            organisasjonsnummer: command.organisasjonsnummer,
            details: command.details,
            at: command.at,
          },
        }];
      }
      case "update": {
        requireWritable(state);
        checkDetails(command.changes);
        const changes = changed(state.details, command.changes);
        if (Object.keys(changes).length === 0) return [];
        return [{
          type: "bedrift.updated",
          v: 1,
          data: { changes, at: command.at },
        }];
      }
      case "change_status": {
        const from = requireRegistered(state);
        if (from === command.status) return [];
        if (!TRANSITIONS[from].includes(command.status)) {
          throw new DomainError(
            "bedrift.invalid_status_transition",
            `Status cannot change from ${from} to ${command.status}`,
          );
        }
        return [{
          type: "bedrift.status_changed",
          v: 1,
          data: {
            from,
            to: command.status,
            reason: command.reason ?? null,
            at: command.at,
          },
        }];
      }
      case "change_invoice_settings": {
        requireWritable(state);
        checkInvoiceSettings(command.changes);
        const changes = changed(state.invoiceSettings, command.changes);
        if (Object.keys(changes).length === 0) return [];
        return [{
          type: "bedrift.invoice_settings_changed",
          v: 1,
          data: { changes, at: command.at },
        }];
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

export const BEDRIFT = "bedrift";

export const bedriftActor: ActorDefinition<
  BedriftCommand,
  BedriftEvent,
  BedriftState
> = { type: BEDRIFT, decider: bedriftDecider, stateVersion: 1 };
