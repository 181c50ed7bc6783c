export { moneyString, optionalText, organisasjonsnummer } from "./common.ts";
export {
  ChangeStatusBody,
  InvoiceSettingsBody,
  RegisterBedriftBody,
  UpdateBedriftBody,
} from "./bedrift.ts";
export { AddLineBody, DraftInvoiceBody } from "./invoice.ts";
