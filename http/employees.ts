/**
 * `/api/v<n>/employees`: hiring, profiles, roles, termination, time
 * recording and absences, reads now or as of a version or instant, the
 * commit history, and the list from the `employees` read model.
 */
import { z } from "../deps.ts";
import type { Context } from "../deps.ts";
import { DomainError } from "../runtime/core/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import { MemoryKeyStore } from "../runtime/storage/mod.ts";
import {
  clockInEmployee,
  EMPLOYEE,
  EmployeeErrorCode,
  EMPLOYEES_PROJECTION,
  hireEmployee,
  listEmployees,
  updateEmployee,
} from "../actors/employee/mod.ts";
import type {
  Employee,
  EmployeeCommand,
  EmployeeListItem,
  EmployeeState,
} from "../actors/employee/mod.ts";
import { parseInstant } from "../actors/validators/mod.ts";
import {
  ChangeRoleBody,
  EmployeeListItemView,
  EmployeesQuery,
  EmployeeView,
  HireEmployeeBody,
  RegisterAbsenceBody,
  TerminateEmployeeBody,
  UpdateEmployeeBody,
} from "../schemas/mod.ts";
import { askOptions, newId, now, requireId, writeHeaders } from "./write.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { apiBase, page, reply, resource } from "./representation.ts";
import {
  COMMAND_PROBLEMS,
  CREATE_PROBLEMS,
  CREATED,
  READ_PROBLEMS,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { AsOfQuery, AsOfView, historyRoute, readResource } from "./history.ts";
import { auditPersonalRead } from "./access_log.ts";

/** Clock-in / clock-out: when it happened; now when left out. */
const ClockBody = z.strictObject({
  at: z.string().refine(
    (v) => parseInstant(v) !== null,
    "Must be an ISO instant with an offset, e.g. 2025-03-03T07:00:00+01:00",
  ).optional(),
});

/** Allowance for clock skew between a client and the server. */
const FUTURE_TOLERANCE_MS = 60_000;

/**
 * The JSON view of an employee: the fødselsnummer only ever masked
 * (`ddmmyy*****`), never its ciphertext.
 */
export function employeeView(version: number, state: Employee) {
  const { fodselsnummer, ...rest } = state;
  return { ...rest, fodselsnummer: fodselsnummer?.masked ?? null, version };
}

type EmployeeBody = ReturnType<typeof employeeView> & {
  asOf?: z.output<typeof AsOfView>;
};

/** An employee in each version. */
export const EmployeeRep = resource<EmployeeBody>(
  "Employee",
  EmployeeView.extend({ asOf: AsOfView.optional() }),
  (e, c) => ({
    self: `${apiBase(c)}/employees/${e.id}`,
    history: `${apiBase(c)}/employees/${e.id}/history`,
    bedrift: `${apiBase(c)}/bedrifter/${e.bedriftId}`,
  }),
);

/** A page of `GET /employees`. */
export const EmployeePage = page(
  "EmployeePage",
  resource<EmployeeListItem>(
    "EmployeeListItem",
    EmployeeListItemView,
    (e, c) => ({ self: `${apiBase(c)}/employees/${e.id}` }),
  ),
);

/** A clock time from the body, not in the future; now when left out. */
function clockTime(body: z.output<typeof ClockBody>): string {
  if (body.at === undefined) return now();
  if (parseInstant(body.at)! > Date.now() + FUTURE_TOLERANCE_MS) {
    throw new DomainError(
      EmployeeErrorCode.CLOCK_TIME_IN_FUTURE,
      "A clock time cannot be in the future",
      { status: 422 },
    );
  }
  return body.at;
}

/** Routes of `/api/v<n>/employees`. */
export function employeeRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const keys = deps.keys ?? new MemoryKeyStore();
  const group = new RouteGroup({
    tag: "Employees",
    description:
      "Staff of a bedrift: profiles (fødselsnummer encrypted, shown masked), roles, time recording, absences",
    base: "/employees",
    versioned: true,
  });

  const answer = (
    c: Context,
    result: AskResult<unknown, EmployeeState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const employee = result.state!;
    if (status === 201) {
      c.header("Location", `${apiBase(c)}/employees/${employee.id}`);
    }
    return reply(
      c,
      EmployeeRep,
      employeeView(result.version, employee),
      status,
    );
  };

  const command = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: { schema: B; optional?: boolean },
    route: string,
    toCommand: (
      c: Context,
      id: string,
      body: z.output<B>,
    ) => Promise<EmployeeCommand> | EmployeeCommand,
  ) =>
    group.route({
      method: "post",
      path,
      operationId,
      summary,
      request: { body, headers: WRITE_HEADERS },
      responses: {
        200: {
          description: "The employee",
          body: EmployeeRep,
          headers: WRITTEN,
        },
      },
      problems: COMMAND_PROBLEMS,
    }, async (c, input) => {
      const id = requireId(c, "employee");
      const cmd = await toCommand(c, id, input.body);
      const result = await system.ask<never, EmployeeState>(
        EMPLOYEE,
        id,
        cmd,
        askOptions(c, route),
      );
      return answer(c, result);
    });

  listRoute(group, deps.readSide, {
    operationId: "listEmployees",
    summary: "List employees, in Norwegian alphabetical order",
    rep: EmployeePage,
    projection: EMPLOYEES_PROJECTION,
    query: EmployeesQuery,
    list: listEmployees,
    audit: {
      client: system,
      subjects: (items) => items.map((e) => e.fornavn === null ? null : e.id),
    },
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "hireEmployee",
    summary: "Hire an employee (ansattnummer unique per bedrift)",
    request: { body: { schema: HireEmployeeBody }, headers: WRITE_HEADERS },
    responses: {
      201: { description: "The employee", body: EmployeeRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const id = await newId(c, EMPLOYEE);
    const result = await hireEmployee(
      system,
      keys,
      { id, ...body, at: now() },
      askOptions(c, "employee.hire"),
    );
    return answer(c, result, 201);
  });

  group.route({
    method: "get",
    path: "/:id",
    operationId: "getEmployee",
    summary: "Read an employee, now or as of a version or instant",
    request: { query: AsOfQuery },
    responses: {
      200: {
        description: "The employee",
        body: EmployeeRep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const read = await readResource<EmployeeState>(
      c,
      { system: deps.system, client: system },
      EMPLOYEE,
      requireId(c, "employee"),
      query.asOf,
      "employee",
      (_, state) => state !== null,
    );
    const { fornavn, etternavn, epost } = read.state!;
    if (fornavn !== null || etternavn !== null || epost !== null) {
      await auditPersonalRead(c, system, [read.state!.id]);
    }
    writeHeaders(c, read);
    return reply(c, EmployeeRep, {
      ...employeeView(read.version, read.state!),
      ...(read.asOf ? { asOf: read.asOf } : {}),
    });
  });

  historyRoute(group, deps, {
    type: EMPLOYEE,
    what: "employee",
    operationId: "getEmployeeHistory",
  });

  group.route({
    method: "patch",
    path: "/:id",
    operationId: "updateEmployee",
    summary: "Change an employee's profile",
    request: { body: { schema: UpdateEmployeeBody }, headers: WRITE_HEADERS },
    responses: {
      200: { description: "The employee", body: EmployeeRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "employee");
    const result = await updateEmployee(
      system,
      keys,
      id,
      { ...body, at: now() },
      askOptions(c, "employee.update"),
    );
    return answer(c, result);
  });

  command(
    "/:id/role",
    "changeEmployeeRole",
    "Change an employee's role",
    { schema: ChangeRoleBody },
    "employee.role",
    (_c, _id, body) => ({ type: "change_role", role: body.role, at: now() }),
  );

  command(
    "/:id/terminate",
    "terminateEmployee",
    "End an employment",
    { schema: TerminateEmployeeBody },
    "employee.terminate",
    (_c, _id, body) => ({
      type: "terminate",
      endDate: body.endDate,
      reason: body.reason,
      at: now(),
    }),
  );

  group.route({
    method: "post",
    path: "/:id/clock-in",
    operationId: "clockInEmployee",
    summary: "Clock in (now, or an earlier `at`)",
    request: {
      body: { schema: ClockBody, optional: true },
      headers: WRITE_HEADERS,
    },
    responses: {
      200: { description: "The employee", body: EmployeeRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "employee");
    const at = clockTime(body);
    const result = await clockInEmployee(system, {
      id,
      shiftId: await newId(c, `${EMPLOYEE}:${id}:shift`),
      at,
      trackedAt: now(),
    }, askOptions(c, "employee.clock_in"));
    return answer(c, result);
  });

  command(
    "/:id/clock-out",
    "clockOutEmployee",
    "Clock out (now, or an earlier `at`)",
    { schema: ClockBody, optional: true },
    "employee.clock_out",
    (_c, _id, body) => ({ type: "clock_out", at: clockTime(body) }),
  );

  command(
    "/:id/absences",
    "registerEmployeeAbsence",
    "Register an absence (dates inclusive)",
    { schema: RegisterAbsenceBody },
    "employee.absence",
    async (c, id, body) => ({
      type: "register_absence",
      absenceId: await newId(c, `${EMPLOYEE}:${id}:absence`),
      kind: body.kind,
      fromDate: body.fromDate,
      toDate: body.toDate,
      note: body.note,
      at: now(),
    }),
  );

  return group;
}
