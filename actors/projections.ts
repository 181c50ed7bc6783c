import type { Projection } from "../runtime/projection/mod.ts";
import { bedrifterProjection } from "./bedrift/mod.ts";
import { employeesProjection } from "./employee/mod.ts";
import { expensesProjection } from "./expense/mod.ts";
import { budgetsProjection } from "./budget/mod.ts";
import { ledgerProjection } from "./ledger/mod.ts";
import { invoicesProjection } from "./invoice/mod.ts";
import { securityEventsProjection, usersProjection } from "./user/mod.ts";
import { kontrollerProjection } from "./kontroll/mod.ts";
import { kontrollMalerProjection } from "./kontroll_mal/mod.ts";
import { eventStatsProjection } from "./event_stats.ts";
import { streamTenantsProjection } from "./stream_tenants.ts";
import { gdprConsentsProjection } from "./gdpr/mod.ts";
import { auditLogProjection } from "./audit/mod.ts";
import { chaosExperimentsProjection } from "./supervisors/chaos/mod.ts";
import { webhooksProjection } from "./webhook/mod.ts";

/** Every read-model projection of TMS, in the order they are started. */
export const readModelProjections: readonly Projection[] = [
  bedrifterProjection,
  invoicesProjection,
  expensesProjection,
  budgetsProjection,
  ledgerProjection,
  kontrollMalerProjection,
  kontrollerProjection,
  employeesProjection,
  usersProjection,
  securityEventsProjection,
  streamTenantsProjection,
  webhooksProjection,
  eventStatsProjection,
  gdprConsentsProjection,
  auditLogProjection,
  chaosExperimentsProjection,
];
