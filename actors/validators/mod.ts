export { mod11CheckDigit } from "./mod11.ts";
export { isOrganisasjonsnummer } from "./organisasjonsnummer.ts";
export {
  FodselsnummerKind,
  isFodselsnummer,
  maskFodselsnummer,
  parseFodselsnummer,
} from "./fodselsnummer.ts";
export type {
  FodselsnummerOptions,
  ParsedFodselsnummer,
} from "./fodselsnummer.ts";
export { isKontonummer, normalizeKontonummer } from "./kontonummer.ts";
export {
  generateKid,
  isKid,
  KID_LENGTH,
  KidAlgorithm,
  kidMod10CheckDigit,
  kidMod11CheckDigit,
} from "./kid.ts";
export {
  isRegistreringsnummer,
  normalizeRegistreringsnummer,
} from "./registreringsnummer.ts";
export { isPostnummer } from "./postnummer.ts";
export { isTelefon, normalizeTelefon } from "./telefon.ts";
export { isLicenceClass, LicenceClass } from "./licence_class.ts";
export { isPlainDate, parseInstant } from "./iso_time.ts";
export { addDays, daysBetween, osloDay, osloMidnight } from "./oslo_time.ts";
