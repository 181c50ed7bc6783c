import assert from "node:assert/strict";
import type { EmployeeState } from "../../actors/employee/mod.ts";
import { domainApp } from "../support/domain_app.ts";

type T = Awaited<ReturnType<typeof domainApp>>;

const FNR = "01010012356";

function problem(
  res: { status: number; headers: Headers; body: Record<string, unknown> },
  status: number,
  code?: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  if (code) assert.equal(res.body.code, code);
}

async function bedrift(t: T, organisasjonsnummer = "923609016") {
  const res = await t.json("POST", "/api/v1/bedrifter", {
    organisasjonsnummer,
    navn: `Skole ${organisasjonsnummer}`,
  });
  return res.body.id as string;
}

const hire = (bedriftId: string, extra: Record<string, unknown> = {}) => ({
  bedriftId,
  ansattnummer: "1001",
  fornavn: "Kari",
  etternavn: "Nordmann",
  epost: "kari@example.no",
  telefon: "912 34 567",
  role: "TRAFIKKLARER",
  licenceClasses: ["BE", "B"],
  stillingsprosent: 80,
  startDate: "2025-01-06",
  fodselsnummer: FNR,
  ...extra,
});

Deno.test("POST /employees: hired (201); fødselsnummer only masked, encrypted in the log", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await bedrift(t);
    const res = await t.json("POST", "/api/v1/employees", hire(bedriftId));
    assert.equal(res.status, 201);
    assert.equal(
      res.headers.get("location"),
      `/api/v1/employees/${res.body.id}`,
    );
    assert.equal(res.body.fodselsnummer, "010100*****");
    assert.equal(res.body.telefon, "+4791234567");
    assert.deepEqual(res.body.licenceClasses, ["B", "BE"]);
    assert.equal(res.body.status, "ACTIVE");
    const got = await t.json("GET", `/api/v1/employees/${res.body.id}`);
    assert.deepEqual(got.body, res.body);
    assert.ok(!JSON.stringify(got.body).includes(FNR));
    // The number never reaches the log in clear; the person's key opens it.
    const commits = await t.log.readFeed(0, 1000);
    assert.ok(!JSON.stringify(commits).includes(FNR));
    const { state } = await t.system.read<EmployeeState>(
      "employee",
      res.body.id,
    );
    assert.equal(
      await t.keys.decrypt(state!.fodselsnummer!.encrypted),
      FNR,
    );
    await t.keys.shred(res.body.id);
    assert.equal(await t.keys.decrypt(state!.fodselsnummer!.encrypted), null);
  } finally {
    await t.close();
  }
});

Deno.test("POST /employees: ansattnummer unique per bedrift (409), unknown bedrift (422), bad body (422)", async () => {
  const t = await domainApp();
  try {
    const a = await bedrift(t);
    const b = await bedrift(t, "974760673");
    const results = await Promise.all(
      ["Ola", "Per", "Pål", "Espen", "Kari"].map((fornavn) =>
        t.json("POST", "/api/v1/employees", hire(a, { fornavn }))
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [
      201,
      409,
      409,
      409,
      409,
    ]);
    const conflict = results.find((r) => r.status === 409)!;
    problem(conflict, 409, "employee.ansattnummer_taken");
    const other = await t.json("POST", "/api/v1/employees", hire(b));
    assert.equal(other.status, 201);
    const dotted = await t.json(
      "POST",
      "/api/v1/employees",
      hire(b, { ansattnummer: "A.7 ø" }),
    );
    assert.equal(dotted.status, 201);
    problem(
      await t.json("POST", "/api/v1/employees", hire("nope")),
      422,
      "employee.unknown_bedrift",
    );
    const bad = await t.json(
      "POST",
      "/api/v1/employees",
      hire(a, { fodselsnummer: "01010012357", role: "SJEF" }),
    );
    problem(bad, 422);
    assert.deepEqual(
      (bad.body.errors as { path: string }[]).map((e) => e.path).sort(),
      ["fodselsnummer", "role"],
    );
    await t.json("POST", `/api/v1/bedrifter/${b}/status`, {
      status: "SUSPENDERT",
    });
    problem(
      await t.json(
        "POST",
        "/api/v1/employees",
        hire(b, { ansattnummer: "9" }),
      ),
      409,
      "employee.bedrift_not_active",
    );
  } finally {
    await t.close();
  }
});

Deno.test("employees: PATCH, role, absences, terminate; unknown employee 404", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await bedrift(t);
    const { body } = await t.json(
      "POST",
      "/api/v1/employees",
      hire(bedriftId, { fodselsnummer: null }),
    );
    const base = `/api/v1/employees/${body.id}`;
    const patched = await t.json("PATCH", base, {
      stillingsprosent: 100,
      fodselsnummer: FNR,
    }, { "If-Match": '"1"' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.stillingsprosent, 100);
    assert.equal(patched.body.fodselsnummer, "010100*****");
    problem(
      await t.json("PATCH", base, { fornavn: "X" }, { "If-Match": '"1"' }),
      412,
    );
    const role = await t.json("POST", `${base}/role`, { role: "HOVEDBRUKER" });
    assert.equal(role.body.role, "HOVEDBRUKER");
    const absence = await t.json("POST", `${base}/absences`, {
      kind: "FERIE",
      fromDate: "2025-07-01",
      toDate: "2025-07-21",
    });
    assert.equal(absence.status, 200);
    assert.equal(absence.body.absences.length, 1);
    problem(
      await t.json("POST", `${base}/absences`, {
        kind: "EGENMELDING",
        fromDate: "2025-07-10",
        toDate: "2025-07-11",
      }),
      409,
      "employee.absence_overlap",
    );
    problem(
      await t.json("POST", `${base}/absences`, {
        kind: "FERIE",
        fromDate: "2025-08-10",
        toDate: "2025-08-01",
      }),
      422,
    );
    const ended = await t.json("POST", `${base}/terminate`, {
      endDate: "2025-12-31",
      reason: "Sluttet",
    });
    assert.equal(ended.body.status, "TERMINATED");
    problem(
      await t.json("POST", `${base}/role`, { role: "ADMIN" }),
      409,
      "employee.terminated",
    );
    problem(await t.json("GET", "/api/v1/employees/nope"), 404);
    problem(
      await t.json("POST", "/api/v1/employees/nope/role", { role: "ADMIN" }),
      404,
      "employee.not_found",
    );
  } finally {
    await t.close();
  }
});

Deno.test("employees: clock in and out records a shift; rules at the edge", async () => {
  const t = await domainApp();
  try {
    const bedriftId = await bedrift(t);
    const { body } = await t.json("POST", "/api/v1/employees", hire(bedriftId));
    const base = `/api/v1/employees/${body.id}`;
    problem(
      await t.json("POST", `${base}/clock-out`),
      409,
      "employee.not_clocked_in",
    );
    const start = new Date(Date.now() - 14 * 3_600_000).toISOString();
    const clockIn = await t.json("POST", `${base}/clock-in`, { at: start });
    assert.equal(clockIn.status, 200);
    assert.equal(clockIn.body.openShift.clockedInAt, start);
    problem(
      await t.json("POST", `${base}/clock-in`),
      409,
      "employee.already_clocked_in",
    );
    problem(
      await t.json("POST", `${base}/terminate`, { endDate: "2025-12-31" }),
      409,
      "employee.shift_open",
    );
    problem(
      await t.json("POST", `${base}/clock-out`, {
        at: new Date(Date.now() + 3_600_000).toISOString(),
      }),
      422,
      "employee.clock_time_in_future",
    );
    problem(await t.json("POST", `${base}/clock-out`, { at: "08:00" }), 422);
    const out = await t.json("POST", `${base}/clock-out`);
    assert.equal(out.status, 200);
    assert.equal(out.body.openShift, null);
    const commits = await t.log.readStream("employee", body.id, 0);
    const clockedOut = commits.at(-1)!.events[0] as {
      type: string;
      data: { durationMinutes: number; flags: string[] };
    };
    assert.equal(clockedOut.type, "employee.clocked_out");
    assert.ok(clockedOut.data.durationMinutes >= 14 * 60 - 1);
    assert.deepEqual(clockedOut.data.flags, ["OVER_13_HOURS"]);
    // Clocking in tracked the employee for the nightly shift job.
    const registry = await t.system.read<{ employee: Record<string, string> }>(
      "open_items",
      bedriftId,
    );
    assert.ok(Object.hasOwn(registry.state.employee, body.id));
  } finally {
    await t.close();
  }
});
