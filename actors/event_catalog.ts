/**
 * Every event type TMS writes, with its current schema version and the
 * aggregate types whose streams hold it: assembled from the aggregates'
 * versions maps, so a new event type is in the catalog (and in the events
 * API, the stats and the masking table's check) as soon as it is declared.
 */
import { BedriftEventVersions } from "./bedrift/mod.ts";
import { BEDRIFT } from "./bedrift/mod.ts";
import { BUDGET, BudgetEventVersions } from "./budget/mod.ts";
import { EXPENSE, ExpenseEventVersions } from "./expense/mod.ts";
import { EMPLOYEE, EmployeeEventVersions } from "./employee/mod.ts";
import { INVOICE, InvoiceEventVersions } from "./invoice/mod.ts";
import {
  INVOICE_SEQUENCE,
  InvoiceSequenceEventVersions,
} from "./invoice_sequence/mod.ts";
import { KONTROLL, KontrollEventVersions } from "./kontroll/mod.ts";
import { KONTROLL_MAL, KontrollMalEventVersions } from "./kontroll_mal/mod.ts";
import {
  OPEN_ITEMS,
  OPEN_ITEMS_INDEX,
  OpenItemsEventVersions,
} from "./open_items/mod.ts";
import { SESSION, SessionEventVersions } from "./session/mod.ts";
import { SYSTEM, SystemEventVersions } from "./system/mod.ts";
import {
  CHAOS_EXPERIMENT,
  CHAOS_SAFETY,
  ExperimentEventVersions,
  SafetyEventVersions,
} from "./supervisors/chaos/mod.ts";
import {
  AUTOSCALE,
  AutoscaleEventVersions,
} from "./supervisors/autoscale/mod.ts";
import { UniqueEventVersions, UniqueKinds } from "./unique/mod.ts";
import { USER, UserEventVersions } from "./user/mod.ts";
import { GDPR, GdprEventVersions } from "./gdpr/mod.ts";
import { AUDIT, AuditEventVersions } from "./audit/mod.ts";
import { WEBHOOK, WebhookEventVersions } from "./webhook/mod.ts";

/** The current schema version of every event type, keyed by type. */
export const EVENT_VERSIONS = {
  ...BedriftEventVersions,
  ...BudgetEventVersions,
  ...EmployeeEventVersions,
  ...ExpenseEventVersions,
  ...InvoiceEventVersions,
  ...InvoiceSequenceEventVersions,
  ...KontrollEventVersions,
  ...KontrollMalEventVersions,
  ...OpenItemsEventVersions,
  ...SessionEventVersions,
  ...SystemEventVersions,
  ...ExperimentEventVersions,
  ...SafetyEventVersions,
  ...AutoscaleEventVersions,
  ...UniqueEventVersions,
  ...UserEventVersions,
  ...GdprEventVersions,
  ...AuditEventVersions,
  ...WebhookEventVersions,
} as const;

/** Every event type. */
export type EventType = keyof typeof EVENT_VERSIONS;

/** One event type of the catalog. */
export interface EventCatalogEntry {
  type: EventType;
  version: number;
  /** The aggregate types whose streams hold it. */
  aggregateTypes: readonly string[];
}

const AGGREGATES: readonly [Record<string, number>, readonly string[]][] = [
  [BedriftEventVersions, [BEDRIFT]],
  [BudgetEventVersions, [BUDGET]],
  [EmployeeEventVersions, [EMPLOYEE]],
  [ExpenseEventVersions, [EXPENSE]],
  [InvoiceEventVersions, [INVOICE]],
  [InvoiceSequenceEventVersions, [INVOICE_SEQUENCE]],
  [KontrollEventVersions, [KONTROLL]],
  [KontrollMalEventVersions, [KONTROLL_MAL]],
  [OpenItemsEventVersions, [OPEN_ITEMS, OPEN_ITEMS_INDEX]],
  [SessionEventVersions, [SESSION]],
  [SystemEventVersions, [SYSTEM]],
  [ExperimentEventVersions, [CHAOS_EXPERIMENT]],
  [SafetyEventVersions, [CHAOS_SAFETY]],
  [AutoscaleEventVersions, [AUTOSCALE]],
  [UniqueEventVersions, Object.values(UniqueKinds)],
  [UserEventVersions, [USER]],
  [GdprEventVersions, [GDPR]],
  [AuditEventVersions, [AUDIT]],
  [WebhookEventVersions, [WEBHOOK]],
];

/** The catalog, in declaration order of the aggregates. */
export const EVENT_CATALOG: readonly EventCatalogEntry[] = AGGREGATES.flatMap((
  [versions, aggregateTypes],
) =>
  Object.entries(versions).map(([type, version]) => ({
    type: type as EventType,
    version,
    aggregateTypes,
  }))
);

const BY_TYPE = new Map(EVENT_CATALOG.map((entry) => [entry.type, entry]));

/** The catalog entry of `type`, or null for a type TMS does not write. */
export function eventCatalogEntry(type: string): EventCatalogEntry | null {
  return BY_TYPE.get(type as EventType) ?? null;
}
