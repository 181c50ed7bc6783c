/**
 * Which personal data the log seals, with whose key — declared once per
 * event type (and per actor type for snapshots), read by the
 * `KeyStoreSealer` that `domainEventLog` puts beneath the upcasters. The
 * check in `tests/actors/gdpr/sealing_test.ts` holds it against the masking
 * table: every name, e-mail, phone or free text an event carries is sealed,
 * or encrypted by its flow before the command (user e-mail and password
 * hash, the fødselsnummer itself).
 *
 * Data subjects (key ids):
 * - an employee: its id (the fødselsnummer's key since the start);
 * - a user: `user-<id>` (`userSubject`);
 * - a `PRIVAT` invoice customer: `kunde-<bedriftId>-<kundenummer>`, or
 *   `faktura-<invoiceId>` without a kundenummer (`kundeSubject`); a
 *   `BEDRIFT` customer is not a person and is stored as it is.
 */
import type { SealingSpec } from "../../runtime/storage/mod.ts";
import type { StreamRef } from "../../runtime/core/mod.ts";
import { EMPLOYEE } from "../employee/mod.ts";
import { INVOICE, KundeKind, kundeOf, kundeSubject } from "../invoice/mod.ts";
import type { InvoiceDrafted, InvoiceState } from "../invoice/mod.ts";
import { USER, userSubject } from "../user/mod.ts";
import type { EventType } from "../event_catalog.ts";

const employee = (stream: StreamRef) => stream.id;
const user = (stream: StreamRef) => userSubject(stream.id);
const EMPLOYEE_PROFILE = [
  "fornavn",
  "etternavn",
  "epost",
  "telefon",
  "fodselsnummer.masked",
] as const;

/** The sealed fields of each event type that holds personal data in clear. */
export const SEALED_EVENTS:
  & SealingSpec["events"]
  & {
    readonly [K in EventType]?: SealingSpec["events"][string];
  } = {
    "employee.hired": { subject: employee, paths: EMPLOYEE_PROFILE },
    "employee.updated": { subject: employee, paths: EMPLOYEE_PROFILE },
    "employee.absence_registered": { subject: employee, paths: ["note"] },
    "employee.terminated": { subject: employee, paths: ["reason"] },
    "user.disabled": { subject: user, paths: ["reason"] },
    "invoice.drafted": {
      // A v1 draft (read beneath the upcasters) states no kind: kundeOf
      // infers it as the upcaster does.
      subject: (stream, data) => {
        const draft = data as InvoiceDrafted;
        return kundeSubject(stream.id, {
          ...draft,
          kunde: kundeOf(draft.kunde),
        });
      },
      paths: ["kunde.navn", "kunde.epost"],
    },
  };

/**
 * Free text that the events API masks but the log does not seal, because no
 * data subject's key could seal it — each with its reason. A person's name
 * does not belong in these fields; if one is written, erasure cannot remove
 * it (the README says so).
 *
 * - An expense's description and rejection reason are bookkeeping records
 *   of the bedrift (Bokføringsloven keeps them five years, and GDPR art.
 *   17(3)(b) exempts what a legal obligation requires kept), about
 *   purchases from businesses.
 * - A webhook's URL is the bedrift's configuration (masked because it may
 *   carry the receiver's path secret), and its disabling reason is the
 *   bedrift's note about its own endpoint.
 * - A manual scale's reason is an operator's note about the platform.
 */
export const UNSEALED_RECORDS: {
  readonly [K in EventType]?: readonly string[];
} = {
  "expense.registered": ["beskrivelse"],
  "expense.rejected": ["reason"],
  "webhook.created": ["url"],
  "webhook.updated": ["url"],
  "webhook.disabled": ["reason"],
  "autoscale.manual_scaled": ["reason"],
};

/**
 * Snapshots sealed whole with the subject's key: an employee's and a
 * user's, and an invoice's when its customer is a person.
 */
export const SEALED_SNAPSHOTS: SealingSpec["snapshots"] = {
  [EMPLOYEE]: (id) => id,
  [USER]: (id) => userSubject(id),
  [INVOICE]: (id, state) => {
    const invoice = state as InvoiceState;
    return invoice.status !== null && invoice.kunde.kind === KundeKind.PRIVAT
      ? kundeSubject(id, invoice)
      : null;
  },
};

/** What the `KeyStoreSealer` of TMS seals. */
export const SEALING_SPEC: SealingSpec = {
  events: SEALED_EVENTS,
  snapshots: SEALED_SNAPSHOTS,
};
