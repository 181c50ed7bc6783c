/**
 * What "masked" means for each event type when the events and history APIs
 * show an event to anyone but a platform ADMIN — declared once per event
 * type (the check in `tests/actors/personal_data_test.ts` fails for an
 * event type with no entry, so every new event gets a decision).
 *
 * - `name`: first letter kept, `Kari` → `K***`;
 * - `email`: first letter and the domain, `kari@example.no` → `k***@example.no`;
 * - `phone`: all digits but the last two, `+4791234567` → `+*********67`;
 * - `text`: free text that may hold personal data (an absence note, a
 *   reason) → `***`.
 *
 * Whoever reads, ADMIN included, never sees:
 * - `secret`: password hashes, refresh-token hashes, the e-mail blind index
 *   → `[redacted]`;
 * - `encrypted`: a ciphertext (`{ keyId, ciphertext, iv }`) → `{ encrypted:
 *   true }` (ADMIN: with its `keyId`, the data subject's key);
 * - `fodselsnummer`: only its display mask (`ddmmyy*****`), never the
 *   ciphertext.
 *
 * Not masked: ids, amounts, dates, statuses, and the contact details of a
 * bedrift (a company's registered address, phone and e-mail are public in
 * Enhetsregisteret).
 *
 * Masking is about who reads; storage is `actors/gdpr/sealing.ts`: every
 * name, e-mail, phone and free text here is sealed in the log with the data
 * subject's key (or encrypted by its flow), so the events reach this table
 * opened — and `null` once the person is erased.
 */
import type { EventType } from "./event_catalog.ts";

/** How one field is masked. */
export const PersonalData = {
  name: "name",
  email: "email",
  phone: "phone",
  text: "text",
  secret: "secret",
  encrypted: "encrypted",
  fodselsnummer: "fodselsnummer",
} as const;
export type PersonalData = (typeof PersonalData)[keyof typeof PersonalData];

const { name, email, phone, text, secret, encrypted, fodselsnummer } =
  PersonalData;

const employeeProfile = {
  fornavn: name,
  etternavn: name,
  epost: email,
  telefon: phone,
  fodselsnummer,
} as const;

/**
 * The personal fields of each event type's data, by dot path (after
 * upcasting, so for the current version). An empty entry: the event holds
 * none.
 */
export const PERSONAL_FIELDS: Readonly<
  Record<EventType, Readonly<Record<string, PersonalData>>>
> = {
  "bedrift.registered": {},
  "bedrift.updated": {},
  "bedrift.status_changed": {},
  "bedrift.invoice_settings_changed": {},
  "budget.opened": {},
  "budget.created": {},
  "budget.changed": {},
  "budget.expense_recorded": {},
  "budget.expense_removed": {},
  "budget.exceeded": {},
  "budget.back_within": {},
  "employee.hired": employeeProfile,
  "employee.updated": employeeProfile,
  "employee.role_changed": {},
  "employee.clocked_in": {},
  "employee.clocked_out": {},
  "employee.absence_registered": { note: text },
  "employee.terminated": { reason: text },
  // A supplier is a business (its name public in Enhetsregisteret); the
  // free text may name people.
  "expense.registered": { beskrivelse: text },
  "expense.receipt_attached": {},
  "expense.approved": {},
  "expense.rejected": { reason: text },
  "expense.paid": {},
  "employee.personal_data_erased": {},
  "invoice.drafted": { "kunde.navn": name, "kunde.epost": email },
  "invoice.line_added": {},
  "invoice.line_removed": {},
  "invoice.sent": {},
  "invoice.payment_registered": {},
  "invoice.paid": {},
  "invoice.reminded": {},
  "invoice.cancelled": {},
  "invoice.credited": {},
  "invoice.kunde_erased": {},
  "invoice_sequence.reserved": {},
  "invoice_sequence.confirmed": {},
  "invoice_sequence.released": {},
  "kontroll.created": {},
  "kontroll.point_recorded": {},
  "kontroll.photo_attached": {},
  "kontroll.completed": {},
  "kontroll.failed": {},
  "kontroll_mal.created": {},
  "kontroll_mal.updated": {},
  "kontroll_mal.archived": {},
  "open_items.tracked": {},
  "open_items.untracked": {},
  "session.issued": { tokenHash: secret },
  "session.rotated": { tokenHash: secret },
  "session.reuse_detected": { tokenHash: secret },
  "session.revoked": {},
  "autoscale.decided": {},
  "autoscale.scaled": {},
  "autoscale.failed": {},
  "autoscale.manual_scaled": { reason: text },
  "system.test": {},
  "chaos.experiment_created": {},
  "chaos.experiment_started": {},
  "chaos.probe_checked": {},
  "chaos.fault_injected": {},
  "chaos.deviated": {},
  "chaos.aborted": {},
  "chaos.rolled_back": {},
  "chaos.completed": {},
  "chaos.adhoc_fault_injected": {},
  "chaos.emergency_stopped": {},
  "unique.reserved": {},
  "unique.released": {},
  "user.registered": {
    email: encrypted,
    emailIndex: secret,
    passwordHash: secret,
  },
  "user.updated": { email: encrypted, emailIndex: secret },
  "user.password_changed": { passwordHash: secret },
  "user.disabled": { reason: text },
  "user.logged_in": {},
  "user.login_failed": {},
  "user.locked": {},
  "user.personal_data_erased": {},
  "gdpr.consent_recorded": {},
  "gdpr.subject_erased": {},
  "audit.recorded": {},
  // A webhook URL may carry a token of the receiver's (a path secret).
  "webhook.created": { url: text, secret: encrypted },
  "webhook.updated": { url: text },
  "webhook.disabled": { reason: text },
  "webhook.enabled": {},
  "webhook.secret_rotated": { secret: encrypted },
  "webhook.deleted": {},
};

/** Who reads: a platform ADMIN sees personal data, anyone else masked. */
export type MaskLevel = "admin" | "masked";

function maskValue(
  kind: PersonalData,
  value: unknown,
  level: MaskLevel,
): unknown {
  if (value === null || value === undefined) return value;
  switch (kind) {
    case secret:
      return "[redacted]";
    case encrypted: {
      const keyId = (value as { keyId?: unknown }).keyId;
      return level === "admin" ? { encrypted: true, keyId } : {
        encrypted: true,
      };
    }
    case fodselsnummer:
      return (value as { masked?: unknown }).masked ?? "***";
  }
  if (level === "admin") return value;
  const s = String(value);
  switch (kind) {
    case name:
      return s.length === 0 ? s : `${s[0]}***`;
    case email: {
      const at = s.lastIndexOf("@");
      return at <= 0 ? "***" : `${s[0]}***${s.slice(at)}`;
    }
    case phone: {
      let keep = 2;
      return [...s].reverse().map((ch) =>
        /\d/.test(ch) ? (keep-- > 0 ? ch : "*") : ch
      ).reverse().join("");
    }
    default:
      return "***";
  }
}

function maskPath(
  data: Record<string, unknown>,
  path: string[],
  kind: PersonalData,
  level: MaskLevel,
): boolean {
  const [head, ...rest] = path;
  if (!(head in data)) return false;
  if (rest.length === 0) {
    const masked = maskValue(kind, data[head], level);
    const changed = masked !== data[head];
    data[head] = masked;
    return changed;
  }
  const inner = data[head];
  if (typeof inner !== "object" || inner === null) return false;
  const copy = { ...(inner as Record<string, unknown>) };
  data[head] = copy;
  return maskPath(copy, rest, kind, level);
}

/**
 * The data of an event as `level` may see it, and whether anything was
 * masked. The event is not changed. An event type with no entry (not one
 * TMS writes) is shown only to ADMINs: anyone else gets `{}`.
 *
 * @example
 * ```ts
 * maskEvent({ type: "invoice.drafted", v: 2, data }, "masked").data.kunde.navn; // "K***"
 * ```
 */
export function maskEvent(
  event: { type: string; v: number; data: unknown },
  level: MaskLevel,
): { type: string; v: number; data: Record<string, unknown>; masked: boolean } {
  const fields = PERSONAL_FIELDS[event.type as EventType];
  const source =
    (typeof event.data === "object" && event.data !== null
      ? event.data
      : { value: event.data }) as Record<string, unknown>;
  if (!fields) {
    return level === "admin"
      ? { type: event.type, v: event.v, data: source, masked: false }
      : { type: event.type, v: event.v, data: {}, masked: true };
  }
  const data = { ...source };
  let masked = false;
  for (const [path, kind] of Object.entries(fields)) {
    if (maskPath(data, path.split("."), kind, level)) masked = true;
  }
  return { type: event.type, v: event.v, data, masked };
}

/** The kinds a platform ADMIN sees in clear (the others never are). */
const SHOWN: ReadonlySet<PersonalData> = new Set([
  name,
  email,
  phone,
  text,
  fodselsnummer,
]);

/**
 * True when an ADMIN reading `event` unmasked sees a person's data: a name,
 * e-mail, phone, free text or fødselsnummer mask that is there (not `null`,
 * as it reads once erased). What the access log records.
 */
export function revealsPersonalData(
  event: { type: string; data: unknown },
): boolean {
  const fields = PERSONAL_FIELDS[event.type as EventType];
  if (!fields) return false;
  return Object.entries(fields).some(([path, kind]) => {
    if (!SHOWN.has(kind)) return false;
    let value: unknown = event.data;
    for (const part of path.split(".")) {
      value = (value as Record<string, unknown> | null)?.[part];
    }
    if (kind === fodselsnummer) {
      value = (value as { masked?: unknown } | null)?.masked;
    }
    return value !== null && value !== undefined;
  });
}
