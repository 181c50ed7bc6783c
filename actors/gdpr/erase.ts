/**
 * Erasure of a person (GDPR art. 17) by crypto-shredding: every aggregate
 * of theirs records the erasure (its personal fields read `null` from
 * there), then their keys are shredded (every sealed copy in the log,
 * snapshots, replicas and backups becomes unreadable; a tombstone keeps the
 * subject from ever getting a key again), then the gdpr record notes what
 * was done. Invoices keep their numbers, amounts and dates (bookkeeping
 * law); only the customer's name and e-mail go. Each step is idempotent, so
 * an erasure cut short is finished by asking again.
 */
import type { AskResult } from "../../runtime/actor/mod.ts";
import { storedLog } from "../../runtime/log/mod.ts";
import { EMPLOYEE } from "../employee/mod.ts";
import { INVOICE, KundeKind } from "../invoice/mod.ts";
import type { InvoiceState } from "../invoice/mod.ts";
import { releaseUnique, UniqueKinds } from "../unique/mod.ts";
import { USER } from "../user/mod.ts";
import type { UserState } from "../user/mod.ts";
import { SEALED_EVENTS } from "./sealing.ts";
import { resolveSubject } from "./subjects.ts";
import type { GdprOptions, GdprServices, Person } from "./subjects.ts";
import { GDPR } from "./types.ts";
import type { Erasure, GdprState, SubjectRecord } from "./types.ts";
import type { GdprEvent } from "./events.ts";

/** What an erasure answers. */
export interface ErasureResult {
  subjectId: string;
  erasure: Erasure;
  /** True when the subject had been erased before: nothing was done now. */
  alreadyErased: boolean;
  /** The gdpr record's commit (its version and feed position). */
  version: number;
  position: number;
}

/**
 * Erases the person `id` names, as `principal` may (another bedrift's
 * person is a `NotFoundError`). Idempotent: a second call answers the first
 * erasure.
 */
export async function eraseSubject(
  services: GdprServices,
  id: string,
  options: GdprOptions & { at: string },
): Promise<ErasureResult> {
  const { system, keys } = services;
  const { signal, principal, meta, at } = options;
  const read = { signal, principal };
  const gdpr = await system.read<GdprState>(GDPR, id, read);
  if (gdpr.state?.erasure) {
    return {
      subjectId: id,
      erasure: gdpr.state.erasure,
      alreadyErased: true,
      version: gdpr.version,
      position: gdpr.position,
    };
  }
  const person = await resolveSubject(services, id, options);
  const records = await eraseRecords(services, person, options);
  const clearTextEvents = await countClearText(services, records);
  for (const subject of person.keySubjects) {
    await keys.shred(subject, { signal });
  }
  const erasure: Erasure = {
    at,
    by: principal?.subject ?? "system",
    records,
    keySubjects: person.keySubjects,
    clearTextEvents,
  };
  const result: AskResult<GdprEvent, GdprState> = await system.ask(GDPR, id, {
    type: "record_erasure",
    subjectId: id,
    bedriftId: person.bedriftId,
    kind: person.kind,
    ...erasure,
  }, { signal, principal, meta });
  return {
    subjectId: id,
    erasure: result.state?.erasure ?? erasure,
    alreadyErased: result.events.length === 0,
    version: result.version,
    position: result.position,
  };
}

/** Asks every aggregate of the person to erase; returns them. */
async function eraseRecords(
  services: GdprServices,
  person: Person,
  options: GdprOptions & { at: string },
): Promise<SubjectRecord[]> {
  const { system } = services;
  const { signal, principal, meta, at } = options;
  const ask = { signal, principal, meta };
  const records: SubjectRecord[] = [];
  for (const id of person.employees) {
    await system.ask(EMPLOYEE, id, { type: "erase_personal_data", at }, ask);
    records.push({ type: EMPLOYEE, id });
  }
  for (const id of person.users) {
    const user = await system.read<UserState>(USER, id, { signal, principal });
    await system.ask(USER, id, { type: "erase_personal_data", at }, ask);
    records.push({ type: USER, id });
    // The address is free for a new account; its blind index stays in the
    // log (see the README on erasure).
    if (user.state) {
      await releaseUnique(system, {
        kind: UniqueKinds.email,
        value: user.state.emailIndex,
        owner: id,
        at,
        meta,
      });
    }
  }
  for (const id of person.invoices) {
    const invoice = await system.read<InvoiceState>(INVOICE, id, {
      signal,
      principal,
    });
    if (invoice.state.kunde.kind !== KundeKind.PRIVAT) continue;
    await system.ask(INVOICE, id, { type: "erase_kunde", at }, ask);
    records.push({ type: INVOICE, id });
  }
  return records;
}

/**
 * Events of these aggregates that hold the person's data in clear in the
 * stored log: written before their fields were sealed (event versions
 * before sealing). Read beneath the sealing and the upcasters.
 */
async function countClearText(
  services: GdprServices,
  records: readonly SubjectRecord[],
): Promise<number> {
  const stored = storedLog(services.log);
  let count = 0;
  for (const { type, id } of records) {
    for (const commit of await stored.readStream(type, id, 0)) {
      for (const event of commit.events) {
        const fields = SEALED_EVENTS[event.type];
        if (!fields || fields.subject(commit, event.data) === null) continue;
        const clear = fields.paths.some((path) =>
          typeof path.split(".").reduce<unknown>(
            (node, part) =>
              (node as Record<string, unknown> | null)?.[part] ?? null,
            event.data,
          ) === "string"
        );
        if (clear) count++;
      }
    }
  }
  return count;
}
