/**
 * Who may see an outbound message: its bedrift, the roles that may read the
 * resource it is about (the same as the read routes of `http/policy.ts` —
 * a test keeps them equal), and the people it concerns by id (a kontroll's
 * instructor, an employee's own clock events).
 */
import type { IntegrationEvent } from "../../runtime/relay/mod.ts";
import { UserRole } from "../user/mod.ts";

/** The audience of one message. */
export interface Audience {
  tenant: string;
  /** Roles of that bedrift that may see it (an ADMIN sees everything). */
  roles: readonly UserRole[];
  /** Users it concerns (by user id), whatever their role. */
  users: readonly string[];
  /** Employees it concerns: the user linked to each may see it. */
  employees: readonly string[];
}

const { ADMIN, HOVEDBRUKER, OKONOMI, TRAFIKKLARER } = UserRole;

/** Who reads each aggregate's resources (the GET routes' roles). */
export const AUDIENCE_ROLES: Readonly<Record<string, readonly UserRole[]>> = {
  bedrift: [ADMIN, HOVEDBRUKER, OKONOMI, TRAFIKKLARER],
  invoice: [ADMIN, HOVEDBRUKER, OKONOMI],
  kontroll: [ADMIN, HOVEDBRUKER, TRAFIKKLARER],
  employee: [ADMIN, HOVEDBRUKER],
  expense: [ADMIN, HOVEDBRUKER, OKONOMI],
  budget: [ADMIN, HOVEDBRUKER, OKONOMI],
};

/** The audience of an integration or realtime-only event. */
export function audienceOf(event: IntegrationEvent): Audience {
  const data = event.data;
  const users = event.aggregate === "kontroll" &&
      typeof data.instructorId === "string"
    ? [data.instructorId]
    : [];
  const employees = event.aggregate === "employee" ? [event.subject] : [];
  return {
    tenant: event.tenant,
    roles: AUDIENCE_ROLES[event.aggregate] ?? [ADMIN],
    users,
    employees,
  };
}
