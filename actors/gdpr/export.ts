/**
 * The export of everything TMS holds about a person (GDPR art. 15 and 20),
 * decrypted: the profiles, every event of their aggregates with its
 * personal fields, time records, invoices where they are the customer, and
 * consent records. After an erasure the same export holds `null` wherever
 * the person's data was.
 */
import type { Commit, DomainEvent } from "../../runtime/core/mod.ts";
import type { KeyStore } from "../../runtime/storage/mod.ts";
import { isEncryptedValue } from "../../runtime/storage/mod.ts";
import { EMPLOYEE } from "../employee/mod.ts";
import type { Employee, EmployeeState } from "../employee/mod.ts";
import { INVOICE } from "../invoice/mod.ts";
import type { InvoiceState } from "../invoice/mod.ts";
import { PERSONAL_FIELDS, PersonalData } from "../personal_data.ts";
import type { EventType } from "../event_catalog.ts";
import { USER } from "../user/mod.ts";
import type { UserState } from "../user/mod.ts";
import { consentsOf, shiftsOf } from "./queries.ts";
import type { ConsentItem } from "./queries.ts";
import { resolveSubject } from "./subjects.ts";
import type { GdprOptions, GdprServices } from "./subjects.ts";
import { GDPR } from "./types.ts";
import type { Erasure, GdprState, SubjectKind } from "./types.ts";

/** An event as exported: its personal fields in clear, secrets redacted. */
export interface ExportedCommit {
  version: number;
  position: number;
  at: string;
  events: { type: string; v: number; data: unknown }[];
}

/** Everything held about one person. */
export interface SubjectExport {
  subjectId: string;
  kind: SubjectKind;
  bedriftId: string | null;
  exportedAt: string;
  /** When the person's data was erased, else `null`. */
  erasure: Erasure | null;
  employees: {
    id: string;
    /** The profile, the fødselsnummer decrypted in full. */
    profile: Omit<Employee, "fodselsnummer"> & { fodselsnummer: string | null };
    shifts: Record<string, unknown>[];
    history: ExportedCommit[];
  }[];
  users: {
    id: string;
    profile: {
      id: string;
      email: string | null;
      role: string;
      bedriftId: string | null;
      employeeId: string | null;
      status: string;
      lastLoginAt: string | null;
      createdAt: string;
      erasedAt: string | null;
    };
    history: ExportedCommit[];
  }[];
  invoices: ({ id: string } & InvoiceState)[];
  consents: ConsentItem[];
}

/**
 * Exports everything held about the person `id` names, as `principal` may
 * see it (another bedrift's person is a `NotFoundError`).
 */
export async function exportSubject(
  services: GdprServices,
  id: string,
  options: GdprOptions & { at: string },
): Promise<SubjectExport> {
  const { system, keys, log } = services;
  const read = { signal: options.signal, principal: options.principal };
  const person = await resolveSubject(services, id, options);
  const db = await services.readModels(read);
  const history = async (type: string, streamId: string) =>
    await Promise.all(
      (await log.readStream(type, streamId, 0, read)).map((c) =>
        exportCommit(keys, c)
      ),
    );
  const employees = [];
  for (const employeeId of person.employees) {
    const { state } = await system.read<EmployeeState>(
      EMPLOYEE,
      employeeId,
      read,
    );
    if (!state) continue;
    const { fodselsnummer, ...profile } = state;
    employees.push({
      id: employeeId,
      profile: {
        ...profile,
        fodselsnummer: fodselsnummer
          ? await keys.decrypt(fodselsnummer.encrypted)
          : null,
      },
      shifts: await shiftsOf(db, employeeId, read),
      history: await history(EMPLOYEE, employeeId),
    });
  }
  const users = [];
  for (const userId of person.users) {
    const { state } = await system.read<UserState>(USER, userId, read);
    if (!state) continue;
    users.push({
      id: userId,
      profile: {
        id: state.id,
        email: state.email && await keys.decrypt(state.email),
        role: state.role,
        bedriftId: state.bedriftId,
        employeeId: state.employeeId,
        status: state.status,
        lastLoginAt: state.lastLoginAt,
        createdAt: state.createdAt,
        erasedAt: state.erasedAt,
      },
      history: await history(USER, userId),
    });
  }
  const invoices = [];
  for (const invoiceId of person.invoices) {
    const { state } = await system.read<InvoiceState>(
      INVOICE,
      invoiceId,
      read,
    );
    if (state.status !== null) invoices.push({ id: invoiceId, ...state });
  }
  const gdpr = await system.read<GdprState>(GDPR, id, read);
  return {
    subjectId: id,
    kind: person.kind,
    bedriftId: person.bedriftId,
    exportedAt: options.at,
    erasure: gdpr.state?.erasure ?? null,
    employees,
    users,
    invoices,
    consents: await consentsOf(
      db,
      [...new Set([id, ...person.employees, ...person.users])],
      read,
    ),
  };
}

/**
 * A commit as exported: the personal fields the log opened stay; a field
 * encrypted by its flow (a user's e-mail, a fødselsnummer) is decrypted;
 * secrets (password and token hashes, the blind index) are redacted.
 */
async function exportCommit(
  keys: KeyStore,
  commit: Commit,
): Promise<ExportedCommit> {
  return {
    version: commit.version,
    position: commit.position,
    at: new Date(commit.timestamp).toISOString(),
    events: await Promise.all(commit.events.map((e) => exportEvent(keys, e))),
  };
}

async function exportEvent(
  keys: KeyStore,
  event: DomainEvent,
): Promise<{ type: string; v: number; data: unknown }> {
  const fields = PERSONAL_FIELDS[event.type as EventType] ?? {};
  const data = structuredClone(event.data) as Record<string, unknown>;
  for (const [path, kind] of Object.entries(fields)) {
    const parts = path.split(".");
    const key = parts.pop()!;
    let parent: unknown = data;
    for (const part of parts) {
      parent = (parent as Record<string, unknown> | null)?.[part];
    }
    if (typeof parent !== "object" || parent === null) continue;
    const holder = parent as Record<string, unknown>;
    const value = holder[key];
    if (value === null || value === undefined) continue;
    if (kind === PersonalData.secret) holder[key] = "[redacted]";
    else if (kind === PersonalData.encrypted && isEncryptedValue(value)) {
      holder[key] = await keys.decrypt(value);
    } else if (kind === PersonalData.fodselsnummer) {
      const encrypted = (value as { encrypted?: unknown }).encrypted;
      holder[key] = isEncryptedValue(encrypted)
        ? await keys.decrypt(encrypted)
        : null;
    }
  }
  return { type: event.type, v: event.v, data };
}
