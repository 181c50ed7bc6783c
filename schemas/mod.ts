export { moneyString, optionalText, organisasjonsnummer } from "./common.ts";
export {
  ChangeStatusBody,
  InvoiceSettingsBody,
  RegisterBedriftBody,
  UpdateBedriftBody,
} from "./bedrift.ts";
export { AddLineBody, DraftInvoiceBody } from "./invoice.ts";
export {
  CompleteKontrollBody,
  CreateKontrollBody,
  CreateKontrollMalBody,
  PhotoMetadataBody,
  RecordPointBody,
  SjekkpunktBody,
  UpdateKontrollMalBody,
} from "./kontroll.ts";
export {
  ChangeRoleBody,
  HireEmployeeBody,
  RegisterAbsenceBody,
  TerminateEmployeeBody,
  UpdateEmployeeBody,
} from "./employee.ts";
export { BedrifterQuery, InvoicesQuery, MinPositionHeader } from "./queries.ts";
