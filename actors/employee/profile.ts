import { DomainError } from "../../runtime/core/mod.ts";
import {
  isLicenceClass,
  isPlainDate,
  LicenceClass,
  normalizeTelefon,
} from "../validators/mod.ts";
import { EmployeeErrorCode as E } from "./types.ts";
import {
  type EmployeeProfile,
  EmployeeRole,
  type EncryptedFodselsnummer,
} from "./types.ts";

const LICENCE_ORDER: readonly string[] = Object.values(LicenceClass);

const invalid = (code: string, message: string) =>
  new DomainError(code, message, { status: 422 });

/** A clean copy of the given profile fields, or a 422 for the first bad one. */
export function validProfileFields(
  input: Partial<EmployeeProfile>,
): Partial<EmployeeProfile> {
  const out: Partial<EmployeeProfile> = {};
  if (input.fornavn !== undefined) out.fornavn = name(input.fornavn);
  if (input.etternavn !== undefined) out.etternavn = name(input.etternavn);
  if (input.epost !== undefined) out.epost = epost(input.epost);
  if (input.telefon !== undefined) {
    out.telefon = input.telefon === null ? null : telefon(input.telefon);
  }
  if (input.licenceClasses !== undefined) {
    out.licenceClasses = licenceClasses(input.licenceClasses);
  }
  if (input.stillingsprosent !== undefined) {
    out.stillingsprosent = stillingsprosent(input.stillingsprosent);
  }
  if (input.startDate !== undefined) out.startDate = date(input.startDate);
  if (input.endDate !== undefined) {
    out.endDate = input.endDate === null ? null : date(input.endDate);
  }
  if (input.fodselsnummer !== undefined) {
    out.fodselsnummer = input.fodselsnummer === null
      ? null
      : fodselsnummer(input.fodselsnummer);
  }
  return out;
}

export function validRole(role: unknown): EmployeeRole {
  if (typeof role !== "string" || !Object.hasOwn(EmployeeRole, role)) {
    throw invalid(
      E.INVALID_ROLE,
      `Role must be one of ${Object.values(EmployeeRole).join(", ")}`,
    );
  }
  return role as EmployeeRole;
}

export function validAnsattnummer(value: string): string {
  const trimmed = typeof value === "string" ? value.trim() : "";
  if (trimmed === "") {
    throw invalid(E.INVALID_ANSATTNUMMER, "An ansattnummer must not be blank");
  }
  return trimmed;
}

/** A 422 when `endDate` (inclusive) is before `startDate`. */
export function assertDateRange(
  startDate: string,
  endDate: string | null,
): void {
  if (endDate !== null && endDate < startDate) {
    throw invalid(
      E.INVALID_DATE_RANGE,
      `End date ${endDate} is before start date ${startDate}`,
    );
  }
}

export function date(value: string): string {
  if (!isPlainDate(value)) {
    throw invalid(E.INVALID_DATE, "Dates must be real dates as YYYY-MM-DD");
  }
  return value;
}

function name(value: string): string {
  const trimmed = typeof value === "string" ? value.trim() : "";
  if (trimmed === "") throw invalid(E.INVALID_NAME, "Names must not be blank");
  return trimmed;
}

function epost(value: string): string {
  const trimmed = typeof value === "string" ? value.trim() : "";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) {
    throw invalid(E.INVALID_EPOST, "Not an e-mail address");
  }
  return trimmed;
}

function telefon(value: string): string {
  const normalized = typeof value === "string" ? normalizeTelefon(value) : null;
  if (normalized === null) {
    throw invalid(E.INVALID_TELEFON, "Not a Norwegian telephone number");
  }
  return normalized;
}

function licenceClasses(values: readonly string[]): LicenceClass[] {
  if (!Array.isArray(values) || !values.every(isLicenceClass)) {
    throw invalid(E.INVALID_LICENCE_CLASS, "Unknown licence class");
  }
  return [...new Set(values)].sort((a, b) =>
    LICENCE_ORDER.indexOf(a) - LICENCE_ORDER.indexOf(b)
  );
}

function stillingsprosent(value: number): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    value >= 0 && value <= 100 && Number(value.toFixed(2)) === value;
  if (!ok) {
    throw invalid(
      E.INVALID_STILLINGSPROSENT,
      "Stillingsprosent is 0–100 with at most two decimals",
    );
  }
  return value;
}

function fodselsnummer(value: EncryptedFodselsnummer): EncryptedFodselsnummer {
  const e = value?.encrypted;
  const text = (s: unknown): s is string => typeof s === "string" && s !== "";
  const ok = text(e?.keyId) && text(e?.ciphertext) && text(e?.iv) &&
    !/^\d{11}$/.test(e.ciphertext) &&
    typeof value.masked === "string" && /^\d{6}\*{5}$/.test(value.masked);
  if (!ok) {
    throw invalid(
      E.INVALID_FODSELSNUMMER,
      "A fødselsnummer must arrive encrypted ({ keyId, ciphertext, iv }) with a ddmmyy***** mask",
    );
  }
  return {
    encrypted: { keyId: e.keyId, ciphertext: e.ciphertext, iv: e.iv },
    masked: value.masked,
  };
}
