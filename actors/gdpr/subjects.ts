/**
 * Who a GDPR subject id names, and everything held about that person: the
 * id is an employee's or a user's aggregate id, or an invoice customer's
 * data subject (`kundeSubject`). A user linked to an employee and that
 * employee are one person; so are the users linked to the same employee.
 */
import type { ActorClient, AskOptions } from "../../runtime/actor/mod.ts";
import { NotFoundError } from "../../runtime/core/mod.ts";
import type { EventLog, Principal } from "../../runtime/core/mod.ts";
import type { SqlExecutor } from "../../runtime/sql/mod.ts";
import type { KeyStore } from "../../runtime/storage/mod.ts";
import { EMPLOYEE } from "../employee/mod.ts";
import type { EmployeeState } from "../employee/mod.ts";
import { USER, userSubject } from "../user/mod.ts";
import type { UserState } from "../user/mod.ts";
import { invoicesOfKunde, usersOfEmployee } from "./queries.ts";
import { SubjectKind } from "./types.ts";

/** What the GDPR flows need besides the actors. */
export interface GdprServices {
  /** Where asks and reads go (the cluster router in distributed mode). */
  system: ActorClient;
  /** The node's log, opened and upcast: the person's histories. */
  log: EventLog;
  keys: KeyStore;
  /**
   * The read models once they have caught up with the log's head, so a
   * record the person got just before is found (throws `UnavailableError`
   * when they do not in time).
   */
  readModels(options?: { signal?: AbortSignal }): Promise<SqlExecutor>;
}

/** A person: the aggregates that hold their data and the keys that seal it. */
export interface Person {
  subjectId: string;
  kind: SubjectKind;
  /** The bedrift the person belongs to, `null` for a platform user. */
  bedriftId: string | null;
  employees: string[];
  users: string[];
  /** Invoices (and credit notes) whose customer the person is. */
  invoices: string[];
  /** The key subjects of all of them. */
  keySubjects: string[];
}

/** Options of a GDPR flow: who asks, and the request's signal. */
export type GdprOptions = Pick<AskOptions, "signal" | "meta"> & {
  principal?: Principal;
};

/**
 * Resolves `id` to the person it names, seen by `principal` (another
 * bedrift's person is a `NotFoundError`, as if it did not exist).
 */
export async function resolveSubject(
  services: GdprServices,
  id: string,
  options: GdprOptions = {},
): Promise<Person> {
  const { system } = services;
  const read = { signal: options.signal, principal: options.principal };
  const db = await services.readModels(read);
  const employee = await system.read<EmployeeState>(EMPLOYEE, id, read);
  if (employee.state) {
    const users = await usersOfEmployee(db, id, read);
    return person(id, SubjectKind.EMPLOYEE, employee.state.bedriftId, {
      employees: [id],
      users: await visible(system, users, read),
    });
  }
  const user = await system.read<UserState>(USER, id, read);
  if (user.state) {
    const employeeId = user.state.employeeId;
    const linked = employeeId ? await usersOfEmployee(db, employeeId) : [];
    return person(id, SubjectKind.USER, user.state.bedriftId, {
      employees: employeeId &&
          (await system.read(EMPLOYEE, employeeId, read)).version > 0
        ? [employeeId]
        : [],
      users: [
        id,
        ...await visible(system, linked.filter((u) => u !== id), read),
      ],
    });
  }
  const tenant = options.principal?.tenant ?? undefined;
  const invoices = await invoicesOfKunde(db, id, {
    ...read,
    bedriftId: tenant ?? undefined,
  });
  if (invoices.length > 0) {
    return person(id, SubjectKind.KUNDE, invoices[0].bedriftId, {
      invoices: invoices.map((i) => i.id),
    });
  }
  throw new NotFoundError("No such data subject", {
    code: "gdpr.unknown_subject",
  });
}

function person(
  subjectId: string,
  kind: SubjectKind,
  bedriftId: string | null,
  records: Partial<Pick<Person, "employees" | "users" | "invoices">>,
): Person {
  const employees = records.employees ?? [];
  const users = records.users ?? [];
  const invoices = records.invoices ?? [];
  return {
    subjectId,
    kind,
    bedriftId,
    employees,
    users,
    invoices,
    keySubjects: [
      ...employees,
      ...users.map(userSubject),
      ...(kind === SubjectKind.KUNDE ? [subjectId] : []),
    ],
  };
}

/** The users among `ids` the principal may see (its own bedrift's). */
async function visible(
  system: ActorClient,
  ids: readonly string[],
  read: { signal?: AbortSignal; principal?: Principal },
): Promise<string[]> {
  const seen: string[] = [];
  for (const id of ids) {
    const found = await system.read(USER, id, read).catch((error) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (found && found.version > 0) seen.push(id);
  }
  return seen;
}
