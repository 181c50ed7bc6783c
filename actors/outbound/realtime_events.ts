/**
 * The mapping of the realtime-only messages (`schemas/realtime.ts`): clock
 * events and an invoice's status moves. Pure, like the integration mapping;
 * the bedrift of an employee or invoice comes from its stream's origin.
 */
import type { Commit } from "../../runtime/core/mod.ts";
import type { IntegrationEvent } from "../../runtime/relay/mod.ts";
import { REALTIME_EVENTS } from "../../schemas/realtime.ts";
import type {
  RealtimeData,
  RealtimeEventName,
} from "../../schemas/realtime.ts";
import type { EmployeeEvent } from "../employee/mod.ts";
import type { InvoiceEvent } from "../invoice/mod.ts";
import { MissingOriginError } from "../integration/mod.ts";
import type { StreamOrigin } from "../integration/mod.ts";

function message<N extends RealtimeEventName>(
  name: N,
  data: RealtimeData<N>,
  time: string,
): IntegrationEvent {
  const spec = REALTIME_EVENTS[name];
  const record = data as Record<string, unknown>;
  return {
    type: spec.type,
    aggregate: spec.aggregate,
    event: spec.event,
    tenant: String(record.bedriftId),
    subject: String(record[spec.subjectField]),
    time,
    data: record,
  };
}

function bedriftOf(
  commit: Commit,
  origin: StreamOrigin | null,
  kind: StreamOrigin["kind"],
): string {
  if (origin?.kind !== kind) {
    throw new MissingOriginError(
      `${commit.type}/${commit.id}@${commit.version}: the stream's first commit (${kind}) is needed to map it`,
    );
  }
  return origin.bedriftId;
}

type InvoiceChange = RealtimeData<"invoiceStatusUpdated">["change"];
type InvoiceStatus = RealtimeData<"invoiceStatusUpdated">["status"];

/** The status each invoice event moves to (null: it depends on earlier payments). */
const INVOICE_STATUS: Partial<
  Record<InvoiceEvent["type"], [InvoiceChange, InvoiceStatus]>
> = {
  "invoice.drafted": ["drafted", "UTKAST"],
  "invoice.sent": ["sent", "SENDT"],
  "invoice.payment_registered": ["payment_registered", "DELVIS_BETALT"],
  "invoice.paid": ["paid", "BETALT"],
  "invoice.reminded": ["reminded", null],
  "invoice.cancelled": ["cancelled", "KANSELLERT"],
  "invoice.credited": ["credited", "KREDITERT"],
};

/** True when mapping the commit's realtime-only messages needs its stream's origin. */
export function realtimeNeedsOrigin(commit: Commit): boolean {
  if (commit.version === 1) return false;
  return commit.events.some((e) =>
    e.type === "employee.clocked_in" || e.type === "employee.clocked_out" ||
    e.type in INVOICE_STATUS
  );
}

/**
 * The realtime-only messages of one commit, in order: one per clock event,
 * and one status update per invoice commit that moved the status (the last
 * move of the commit: a payment that settles the invoice says BETALT once).
 */
export function toRealtimeEvents(
  commit: Commit,
  origin: StreamOrigin | null,
): IntegrationEvent[] {
  const out: IntegrationEvent[] = [];
  let status:
    | { change: InvoiceChange; status: InvoiceStatus; at: string }
    | null = null;
  for (const event of commit.events) {
    if (commit.type === "employee") {
      const e = event as EmployeeEvent;
      if (e.type === "employee.clocked_in") {
        out.push(message("employeeClockedIn", {
          employeeId: commit.id,
          bedriftId: bedriftOf(commit, origin, "employee"),
          shiftId: e.data.shiftId,
          clockedInAt: e.data.clockedInAt,
        }, e.data.clockedInAt));
      } else if (e.type === "employee.clocked_out") {
        out.push(message("employeeClockedOut", {
          employeeId: commit.id,
          bedriftId: bedriftOf(commit, origin, "employee"),
          shiftId: e.data.shiftId,
          clockedInAt: e.data.clockedInAt,
          clockedOutAt: e.data.clockedOutAt,
          durationMinutes: e.data.durationMinutes,
          flags: [...e.data.flags],
        }, e.data.clockedOutAt));
      }
    } else if (commit.type === "invoice") {
      const e = event as InvoiceEvent;
      const move = INVOICE_STATUS[e.type];
      if (move) status = { change: move[0], status: move[1], at: e.data.at };
    }
  }
  if (status) {
    out.push(message("invoiceStatusUpdated", {
      invoiceId: commit.id,
      bedriftId: bedriftOf(commit, origin, "invoice"),
      ...status,
    }, status.at));
  }
  return out;
}
