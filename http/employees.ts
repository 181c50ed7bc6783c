import { Hono, z } from "../deps.ts";
import type { Context } from "../deps.ts";
import { DomainError, NotFoundError } from "../runtime/core/mod.ts";
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
  EmployeeState,
} from "../actors/employee/mod.ts";
import { parseInstant } from "../actors/validators/mod.ts";
import {
  ChangeRoleBody,
  EmployeesQuery,
  HireEmployeeBody,
  RegisterAbsenceBody,
  TerminateEmployeeBody,
  UpdateEmployeeBody,
} from "../schemas/mod.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  parseOptionalBody,
  pathId,
  readOptions,
  writeHeaders,
} from "./write.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listHandler } from "./queries.ts";

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

function employeeId(c: Context): string {
  const id = pathId(c);
  if (!id) throw new NotFoundError("No such employee");
  return id;
}

/** A clock time from the body, not in the future; now when left out. */
async function clockTime(c: Context): Promise<string> {
  const body = await parseOptionalBody(c, ClockBody);
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

/** Routes of `/api/v1/employees`. */
export function employeeRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const keys = deps.keys ?? new MemoryKeyStore();
  const app = new Hono();

  const reply = (
    c: Context,
    result: AskResult<unknown, EmployeeState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const employee = result.state!;
    if (status === 201) {
      c.header("Location", `/api/v1/employees/${employee.id}`);
    }
    return c.json(employeeView(result.version, employee), status);
  };

  const command = (
    path: string,
    route: string,
    toCommand: (c: Context, id: string) => Promise<EmployeeCommand>,
  ) =>
    app.post(path, async (c) => {
      const id = employeeId(c);
      const cmd = await toCommand(c, id);
      const result = await system.ask<never, EmployeeState>(
        EMPLOYEE,
        id,
        cmd,
        askOptions(c, route),
      );
      return reply(c, result);
    });

  app.get(
    "/",
    listHandler(deps.readSide, {
      projection: EMPLOYEES_PROJECTION,
      query: EmployeesQuery,
      list: listEmployees,
    }),
  );

  app.post("/", async (c) => {
    const body = await parseBody(c, HireEmployeeBody);
    const id = await newId(c, EMPLOYEE);
    const result = await hireEmployee(
      system,
      keys,
      { id, ...body, at: now() },
      askOptions(c, "employee.hire"),
    );
    return reply(c, result, 201);
  });

  app.get("/:id", async (c) => {
    const id = employeeId(c);
    const { version, position, state } = await system.read<EmployeeState>(
      EMPLOYEE,
      id,
      readOptions(c),
    );
    if (state === null) throw new NotFoundError("No such employee");
    writeHeaders(c, { version, position });
    return c.json(employeeView(version, state));
  });

  app.patch("/:id", async (c) => {
    const id = employeeId(c);
    const body = await parseBody(c, UpdateEmployeeBody);
    const result = await updateEmployee(
      system,
      keys,
      id,
      { ...body, at: now() },
      askOptions(c, "employee.update"),
    );
    return reply(c, result);
  });

  command("/:id/role", "employee.role", async (c) => {
    const body = await parseBody(c, ChangeRoleBody);
    return { type: "change_role", role: body.role, at: now() };
  });

  command("/:id/terminate", "employee.terminate", async (c) => {
    const body = await parseBody(c, TerminateEmployeeBody);
    return {
      type: "terminate",
      endDate: body.endDate,
      reason: body.reason,
      at: now(),
    };
  });

  app.post("/:id/clock-in", async (c) => {
    const id = employeeId(c);
    const at = await clockTime(c);
    const result = await clockInEmployee(system, {
      id,
      shiftId: await newId(c, `${EMPLOYEE}:${id}:shift`),
      at,
      trackedAt: now(),
    }, askOptions(c, "employee.clock_in"));
    return reply(c, result);
  });

  command("/:id/clock-out", "employee.clock_out", async (c) => ({
    type: "clock_out",
    at: await clockTime(c),
  }));

  command("/:id/absences", "employee.absence", async (c, id) => {
    const body = await parseBody(c, RegisterAbsenceBody);
    return {
      type: "register_absence",
      absenceId: await newId(c, `${EMPLOYEE}:${id}:absence`),
      kind: body.kind,
      fromDate: body.fromDate,
      toDate: body.toDate,
      note: body.note,
      at: now(),
    };
  });

  return app;
}
