import assert from "node:assert/strict";
import { employeeDecider } from "../../../actors/employee/decider.ts";
import { employeesProjection } from "../../../actors/employee/projection.ts";
import type { EmployeeCommand } from "../../../actors/employee/types.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";
import { history } from "../../support/history.ts";

const spec = projectionSpec(employeesProjection);
const hire = (id: string, fornavn: string): EmployeeCommand => ({
  type: "hire",
  id,
  bedriftId: "b1",
  ansattnummer: id.toUpperCase(),
  fornavn,
  etternavn: "Nordmann",
  epost: `${id}@example.no`,
  role: "TRAFIKKLARER",
  stillingsprosent: 100,
  startDate: "2025-01-06",
  at: "2025-01-06T08:00:00+01:00",
});
const commits = (feed: Feed, id: string, commands: EmployeeCommand[]) =>
  history(employeeDecider, commands).map((events) =>
    feed.commit("employee", id, events)
  );

Deno.test("employees projection: given a hire and a shift, then the row and one shift row", async () => {
  const feed = new Feed();
  const batch = commits(feed, "e1", [
    hire("e1", "Åse"),
    { type: "clock_in", shiftId: "s1", at: "2025-03-03T07:00:00+01:00" },
    { type: "clock_out", at: "2025-03-03T15:30:00+01:00" },
    {
      type: "register_absence",
      absenceId: "a1",
      kind: "FERIE",
      fromDate: "2025-07-01",
      toDate: "2025-07-14",
      at: "2025-03-04T08:00:00+01:00",
    },
  ]);
  await spec.given(batch).then(async (db) => {
    const [row] = await db.query(
      `SELECT id, fornavn, navn_sort, status, open_shift_id, antall_fravaer,
         version FROM employees`,
    );
    assert.deepEqual(row, {
      id: "e1",
      fornavn: "Åse",
      navn_sort: "nordmann }se",
      status: "ACTIVE",
      open_shift_id: null,
      antall_fravaer: 1,
      version: 4,
    });
    const shifts = await db.query(
      `SELECT id, employee_id, duration_minutes, over_13_hours, auto_closed
       FROM shifts`,
    );
    assert.deepEqual(shifts, [{
      id: "s1",
      employee_id: "e1",
      duration_minutes: 510,
      over_13_hours: false,
      auto_closed: false,
    }]);
  });
});

Deno.test("employees projection: an open shift shows on the row until clocked out; a second batch moves it on", async () => {
  const feed = new Feed();
  const all = commits(feed, "e1", [
    hire("e1", "Kari"),
    { type: "clock_in", shiftId: "s1", at: "2025-03-03T07:00:00+01:00" },
    { type: "clock_out", at: "2025-03-03T21:00:00+01:00" },
  ]);
  await spec.given(all.slice(0, 2)).thenRows(
    "SELECT open_shift_id, version FROM employees",
    [{ open_shift_id: "s1", version: 2 }],
  );
  await spec.given(all.slice(0, 2), all.slice(2)).thenRows(
    "SELECT e.open_shift_id, s.over_13_hours FROM employees e JOIN shifts s ON s.employee_id = e.id",
    [{ open_shift_id: null, over_13_hours: true }],
  );
});

Deno.test("employees projection: batches applied twice leave the same rows", async () => {
  const feed = new Feed();
  await spec.given(
    commits(feed, "e1", [
      hire("e1", "Kari"),
      { type: "clock_in", shiftId: "s1", at: "2025-03-03T07:00:00+01:00" },
      { type: "clock_out", at: "2025-03-03T08:00:00+01:00" },
    ]),
    commits(feed, "e2", [hire("e2", "Ola")]),
  ).thenIdempotent(
    `SELECT e.id, e.version, count(s.id)::int AS shifts FROM employees e
     LEFT JOIN shifts s ON s.employee_id = e.id GROUP BY e.id, e.version ORDER BY e.id`,
  );
});
