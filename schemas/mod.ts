export { moneyString, optionalText, organisasjonsnummer } from "./common.ts";
export {
  ChangeStatusBody,
  InvoiceSettingsBody,
  RegisterBedriftBody,
  UpdateBedriftBody,
} from "./bedrift.ts";
export {
  AddLineBody,
  CancelInvoiceBody,
  CreditInvoiceBody,
  DraftInvoiceBody,
  RegisterPaymentBody,
  RemindInvoiceBody,
  SendInvoiceBody,
} from "./invoice.ts";
export {
  CompleteKontrollBody,
  CreateKontrollBody,
  CreateKontrollMalBody,
  PhotoMetadataBody,
  PhotoUploadFields,
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
export {
  BedrifterQuery,
  EmployeesQuery,
  InvoicesQuery,
  KontrollerQuery,
  MinPositionHeader,
  SecurityEventsQuery,
  UsersQuery,
} from "./queries.ts";
export {
  ActiveFaultView,
  AdhocReportView,
  CreateExperimentBody,
  ExperimentListItemView,
  ExperimentView,
  FaultBody,
  FaultTypeView,
  InjectFaultBody,
  SafetyStatusView,
  StopReportView,
} from "./chaos.ts";
export {
  ChangePasswordBody,
  CreateUserBody,
  DisableUserBody,
  LoginBody,
  RefreshBody,
  UpdateUserBody,
} from "./user.ts";
export {
  isMoneyNode,
  Money,
  money,
  MONEY_OBJECT_JSON_SCHEMA,
  MONEY_PATTERN,
  MoneyObject,
} from "./money.ts";
export {
  BedriftListItemView,
  BedriftView,
  CommitView,
  CreditNoteView,
  EmployeeListItemView,
  EmployeeView,
  EventStatsView,
  EventTypeView,
  EventView,
  InvoiceListItemView,
  InvoiceView,
  KontrollListItemView,
  KontrollMalView,
  KontrollPhotoView,
  KontrollView,
  SecurityEventView,
  TestEventView,
  TokenPairView,
  UserView,
} from "./views.ts";
export { EVENT_DATA_SCHEMAS } from "./events.ts";
export {
  ApproveExpenseBody,
  AtDateQuery,
  BudgetsQuery,
  ChangeBudgetBody,
  CreateBudgetBody,
  ExpensesQuery,
  IsoDate,
  Kategori,
  LedgerEntriesQuery,
  MvaQuery,
  PayExpenseBody,
  PeriodQuery,
  ReceiptUploadFields,
  RegisterExpenseBody,
  RejectExpenseBody,
} from "./economy.ts";
export {
  AccountBalancesView,
  BalanceSheetView,
  BudgetListItemView,
  BudgetView,
  CashflowView,
  ExpenseListItemView,
  ExpenseView,
  IncomeStatementView,
  LedgerEntryView,
  MvaReportView,
  ReceivablesView,
} from "./economy_views.ts";
export {
  AuditEntryView,
  AuditQuery,
  ConsentsQuery,
  ConsentView,
  ErasureResultView,
  RecordConsentBody,
  SubjectExportView,
  SubjectId,
} from "./gdpr.ts";
export {
  AnomaliesView,
  AutoscaleStatusView,
  CostQuery,
  CostView,
  DecisionLogItemView,
  DecisionsQuery,
  DecisionView,
  ManualScaleBody,
  ManualScaleView,
  PredictionsQuery,
  PredictionsView,
  RecommendationsView,
} from "./autoscale.ts";
export { DeadLettersQuery, DeadLetterView } from "./dead_letters.ts";
export { ConsoleStatusView } from "./console.ts";
export type { ConsoleStatus } from "./console.ts";
