/** Error codes of the ledger's queries and reports. */

/** Stable error codes of the ledger and its reports. */
export const LedgerErrorCode = {
  BEDRIFT_REQUIRED: "ledger.bedrift_required",
} as const;
