/**
 * Integration events of the employee aggregate: never the name, e-mail,
 * telephone or fødselsnummer — the employee is its id (and ansattnummer).
 */
import type { EmployeeEvent, EmployeeHired } from "../employee/mod.ts";
import type { EmployeeTerminated } from "../employee/mod.ts";
import type { EventMapping } from "./support.ts";
import { integrationEvent, plain, withOrigin } from "./support.ts";

/** The mappings of employee events, by domain event type. */
export const employeeMappings: Partial<
  Record<EmployeeEvent["type"], EventMapping>
> = {
  "employee.hired": plain<EmployeeHired>((d) =>
    integrationEvent("employeeHired", {
      employeeId: d.id,
      bedriftId: d.bedriftId,
      ansattnummer: d.ansattnummer,
      role: d.role,
      licenceClasses: [...d.licenceClasses],
      stillingsprosent: d.stillingsprosent,
      startDate: d.startDate,
      hiredAt: d.hiredAt,
    }, d.hiredAt)
  ),
  "employee.terminated": withOrigin<EmployeeTerminated, "employee">(
    "employee",
    (d, { commit, origin }) =>
      integrationEvent("employeeTerminated", {
        employeeId: commit.id,
        bedriftId: origin.bedriftId,
        endDate: d.endDate,
        terminatedAt: d.terminatedAt,
      }, d.terminatedAt),
  ),
};
