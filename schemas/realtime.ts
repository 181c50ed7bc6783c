/**
 * Realtime-only messages: what the seeds' live views need besides the
 * integration events (clock events, an invoice's status as it moves) —
 * sent over SSE and WebSocket only, never to NATS or webhooks, and like
 * the integration events with ids, statuses and times, never personal data.
 */
import { z } from "../deps.ts";
import { integrationType } from "../runtime/core/mod.ts";

const id = z.string().min(1);
const instant = z.iso.datetime({ offset: true });

const invoiceStatus = z.enum([
  "UTKAST",
  "SENDT",
  "DELVIS_BETALT",
  "BETALT",
  "PURRET",
  "KANSELLERT",
  "KREDITERT",
]);

/** One realtime-only message type. */
export interface RealtimeEventSpec<S extends z.ZodType = z.ZodType> {
  type: string;
  aggregate: string;
  event: string;
  summary: string;
  subjectField: string;
  schema: S;
}

function spec<S extends z.ZodObject>(
  aggregate: string,
  event: string,
  summary: string,
  subjectField: keyof z.infer<S> & string,
  schema: S,
): RealtimeEventSpec<S> {
  return {
    type: integrationType(aggregate, event, 1),
    aggregate,
    event,
    summary,
    subjectField,
    schema,
  };
}

/** The realtime-only messages, keyed by a short name. */
export const REALTIME_EVENTS = {
  employeeClockedIn: spec(
    "employee",
    "clocked_in",
    "An employee clocked in (a shift started).",
    "employeeId",
    z.strictObject({
      employeeId: id,
      bedriftId: id,
      shiftId: id,
      clockedInAt: instant,
    }),
  ),
  employeeClockedOut: spec(
    "employee",
    "clocked_out",
    "An employee clocked out: the shift's length and flags (e.g. OVER_13_HOURS, AUTO_CLOSED).",
    "employeeId",
    z.strictObject({
      employeeId: id,
      bedriftId: id,
      shiftId: id,
      clockedInAt: instant,
      clockedOutAt: instant,
      durationMinutes: z.number().int().min(0),
      flags: z.array(z.string()),
    }),
  ),
  invoiceStatusUpdated: spec(
    "invoice",
    "status_updated",
    "An invoice's status moved (drafted, sent, paid in part or in full, reminded, cancelled, credited). `status` is the one it moved to; null after a reminder, which leaves PURRET, or DELVIS_BETALT when part was paid before.",
    "invoiceId",
    z.strictObject({
      invoiceId: id,
      bedriftId: id,
      change: z.enum([
        "drafted",
        "sent",
        "payment_registered",
        "paid",
        "reminded",
        "cancelled",
        "credited",
      ]),
      status: invoiceStatus.nullable(),
      at: instant,
    }),
  ),
} as const;

/** The short name of a realtime-only message. */
export type RealtimeEventName = keyof typeof REALTIME_EVENTS;

/** The data of one realtime-only message. */
export type RealtimeData<N extends RealtimeEventName> = z.infer<
  (typeof REALTIME_EVENTS)[N]["schema"]
>;

/** Every realtime-only message type. */
export const REALTIME_CATALOGUE: readonly RealtimeEventSpec[] = Object.values(
  REALTIME_EVENTS,
);
