/** Value types, commands, state and error codes of the `bedrift` aggregate. */

/** Actor type of a bedrift. */
export const BEDRIFT = "bedrift";

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
/** The fields of `BedriftDetails`, in display order. */
export const BEDRIFT_DETAIL_FIELDS = [
  "navn",
  "adresse",
  "postnummer",
  "poststed",
  "telefon",
  "epost",
  "naeringskode",
  "organisasjonsform",
] as const;

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

export interface BedriftState {
  status: BedriftStatus | null;
  organisasjonsnummer: string;
  details: BedriftDetails;
  invoiceSettings: InvoiceSettings;
  statusReason: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Stable error codes of the `bedrift` aggregate. */
export const BedriftErrorCode = {
  ALREADY_REGISTERED: "bedrift.already_registered",
  AVVIKLET: "bedrift.avviklet",
  INVALID_FAKTURA_START_NUMMER: "bedrift.invalid_faktura_start_nummer",
  INVALID_FORFALLSDAGER: "bedrift.invalid_forfallsdager",
  INVALID_KONTONUMMER: "bedrift.invalid_kontonummer",
  INVALID_ORGANISASJONSNUMMER: "bedrift.invalid_organisasjonsnummer",
  INVALID_POSTNUMMER: "bedrift.invalid_postnummer",
  INVALID_PURREGEBYR: "bedrift.invalid_purregebyr",
  INVALID_STATUS_TRANSITION: "bedrift.invalid_status_transition",
  NAVN_REQUIRED: "bedrift.navn_required",
  ORGANISASJONSNUMMER_TAKEN: "bedrift.organisasjonsnummer_taken",
} as const;
