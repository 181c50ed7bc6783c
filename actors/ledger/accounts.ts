/**
 * The accounts TMS posts to, from the Norwegian standard chart of accounts
 * NS 4102; docs/ledger.md gives the reason for each.
 */
import type { MvaRate } from "../invoice/mod.ts";

/** Where an account stands in the statements, by its number. */
export const AccountKind = {
  EIENDEL: "EIENDEL",
  EGENKAPITAL: "EGENKAPITAL",
  GJELD: "GJELD",
  DRIFTSINNTEKT: "DRIFTSINNTEKT",
  DRIFTSKOSTNAD: "DRIFTSKOSTNAD",
  FINANSINNTEKT: "FINANSINNTEKT",
  FINANSKOSTNAD: "FINANSKOSTNAD",
} as const;
export type AccountKind = typeof AccountKind[keyof typeof AccountKind];

/** The accounts with a role of their own in the postings. */
export const Konto = {
  KUNDEFORDRINGER: "1500",
  BANK: "1920",
  ANNEN_EGENKAPITAL: "2050",
  LEVERANDORGJELD: "2400",
  UTGAENDE_MVA: "2700",
  INNGAENDE_MVA: "2710",
  PURREGEBYR: "3900",
  RENTEINNTEKT: "8050",
} as const;

/** Sales revenue by MVA rate: one account per rate, so the MVA report's base per rate is an account's movement. */
export const REVENUE_KONTO: Readonly<Record<MvaRate, string>> = {
  25: "3000",
  15: "3010",
  12: "3020",
  0: "3100",
};

/** The names of the accounts TMS posts to (NS 4102). */
export const ACCOUNT_NAMES: Readonly<Record<string, string>> = {
  "1500": "Kundefordringer",
  "1920": "Bankinnskudd",
  "2050": "Annen egenkapital",
  "2400": "Leverandørgjeld",
  "2700": "Utgående merverdiavgift",
  "2710": "Inngående merverdiavgift",
  "3000": "Salgsinntekt, avgiftspliktig, 25 %",
  "3010": "Salgsinntekt, avgiftspliktig, 15 %",
  "3020": "Salgsinntekt, avgiftspliktig, 12 %",
  "3100": "Salgsinntekt, avgiftsfri",
  "3900": "Annen driftsrelatert inntekt (purregebyr)",
  "5000": "Lønn til ansatte",
  "6300": "Leie lokale",
  "6800": "Kontorrekvisita",
  "6860": "Møte, kurs, oppdatering o.l.",
  "7000": "Drivstoff",
  "7020": "Vedlikehold transportmidler",
  "7320": "Reklamekostnad",
  "7790": "Annen kostnad, fradragsberettiget",
  "8050": "Annen renteinntekt",
};

/** An account's name, or `Konto <n>` for one TMS does not name. */
export function accountName(konto: string): string {
  return ACCOUNT_NAMES[konto] ?? `Konto ${konto}`;
}

/**
 * The kind of an account by its class in NS 4102: 1 assets, 20 equity,
 * 21–29 liabilities, 3 operating revenue, 4–7 operating costs, 80 financial
 * income, 81 financial costs (88–89, tax and allocations, are never posted).
 */
export function accountKind(konto: string): AccountKind {
  const n = Number(konto);
  if (n < 2000) return AccountKind.EIENDEL;
  if (n < 2100) return AccountKind.EGENKAPITAL;
  if (n < 3000) return AccountKind.GJELD;
  if (n < 4000) return AccountKind.DRIFTSINNTEKT;
  if (n < 8000) return AccountKind.DRIFTSKOSTNAD;
  if (n < 8100) return AccountKind.FINANSINNTEKT;
  return AccountKind.FINANSKOSTNAD;
}

/** True for the accounts of the income statement (classes 3–8). */
export function isResultAccount(konto: string): boolean {
  return Number(konto) >= 3000;
}
