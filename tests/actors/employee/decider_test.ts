import { NotFoundError } from "../../../runtime/core/mod.ts";
import assert from "node:assert/strict";
import { DomainError } from "../../../runtime/core/mod.ts";
import { employeeDecider } from "../../../actors/employee/decider.ts";
import type { EmployeeEvent } from "../../../actors/employee/events.ts";
import {
  EmployeeErrorCode as Code,
  EmployeeStatus,
  ShiftFlag,
} from "../../../actors/employee/types.ts";
import type {
  EmployeeCommand,
  EncryptedFodselsnummer,
} from "../../../actors/employee/types.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(employeeDecider);
const AT = "2025-01-02T09:00:00Z";

const fnr: EncryptedFodselsnummer = {
  encrypted: {
    keyId: "person-key-1",
    ciphertext: "q83vEjRWeJASNFZ4kBI0VniQEjRWeJA=",
    iv: "AAECAwQFBgcICQoL",
  },
  masked: "010190*****",
};

const hire: EmployeeCommand = {
  type: "hire",
  id: "emp-1",
  bedriftId: "bedrift-1",
  ansattnummer: " 1001 ",
  fornavn: " Kari ",
  etternavn: "Nordmann",
  epost: "kari@trafikkskole.no",
  telefon: "912 34 567",
  role: "TRAFIKKLARER",
  licenceClasses: ["BE", "B", "BE", "A"],
  stillingsprosent: 80,
  startDate: "2025-01-06",
  endDate: null,
  fodselsnummer: fnr,
  at: AT,
};
const hired: EmployeeEvent = {
  type: "employee.hired",
  v: 2,
  data: {
    id: "emp-1",
    bedriftId: "bedrift-1",
    ansattnummer: "1001",
    fornavn: "Kari",
    etternavn: "Nordmann",
    epost: "kari@trafikkskole.no",
    telefon: "+4791234567",
    role: "TRAFIKKLARER",
    licenceClasses: ["A", "B", "BE"],
    stillingsprosent: 80,
    startDate: "2025-01-06",
    endDate: null,
    fodselsnummer: fnr,
    hiredAt: AT,
  },
};
const terminated: EmployeeEvent = {
  type: "employee.terminated",
  v: 2,
  data: { endDate: "2025-06-30", reason: null, terminatedAt: AT },
};
const clockedIn = (at: string, shiftId = "shift-1"): EmployeeEvent => ({
  type: "employee.clocked_in",
  v: 1,
  data: { shiftId, clockedInAt: at },
});
const clockedOut = (
  clockedInAt: string,
  clockedOutAt: string,
  durationMinutes: number,
  flags: ShiftFlag[] = [],
  shiftId = "shift-1",
): EmployeeEvent => ({
  type: "employee.clocked_out",
  v: 1,
  data: { shiftId, clockedInAt, clockedOutAt, durationMinutes, flags },
});
const absence = (
  absenceId: string,
  fromDate: string,
  toDate: string,
): EmployeeEvent => ({
  type: "employee.absence_registered",
  v: 2,
  data: {
    absenceId,
    kind: "FERIE",
    fromDate,
    toDate,
    note: null,
    registeredAt: AT,
  },
});

const IN = "2025-03-03T07:00:00+01:00";
const active = spec.given([hired]);
const working = spec.given([hired, clockedIn(IN)]);
const gone = spec.given([hired, terminated]);

/** Asserts that every command is refused the same way for a given history. */
function refusesAll(
  events: EmployeeEvent[],
  code: string,
  error: typeof DomainError | typeof NotFoundError = DomainError,
) {
  const commands: EmployeeCommand[] = [
    { type: "update", fornavn: "Ola", at: AT },
    { type: "change_role", role: "ADMIN", at: AT },
    { type: "terminate", endDate: "2025-12-31", at: AT },
    { type: "clock_in", shiftId: "s", at: AT },
    { type: "clock_out", at: AT },
    { type: "close_open_shift", cutoff: AT, at: AT },
    {
      type: "register_absence",
      absenceId: "a",
      kind: "FERIE",
      fromDate: "2025-07-01",
      toDate: "2025-07-02",
      at: AT,
    },
  ];
  for (const command of commands) {
    spec.given(events).when(command).thenThrows(error, code);
  }
}

// hire

Deno.test("employee hire: normalises and records the profile", () => {
  spec.given([]).when(hire).thenState((state, events) => {
    assert.deepEqual(events, [hired]);
    assert.equal(state?.status, EmployeeStatus.ACTIVE);
    assert.equal(state?.openShift, null);
    assert.deepEqual(state?.absences, []);
    assert.deepEqual(state?.fodselsnummer, fnr);
  });
});

Deno.test("employee hire: optional fields default to null / empty", () => {
  spec.given([]).when({
    type: "hire",
    id: "emp-2",
    bedriftId: "bedrift-1",
    ansattnummer: "7",
    fornavn: "Ola",
    etternavn: "Nordmann",
    epost: "ola@example.no",
    role: "OKONOMI",
    stillingsprosent: 0,
    startDate: "2025-01-06",
    at: AT,
  }).thenState((state) => {
    assert.equal(state?.telefon, null);
    assert.equal(state?.endDate, null);
    assert.equal(state?.fodselsnummer, null);
    assert.deepEqual(state?.licenceClasses, []);
  });
});

Deno.test("employee hire: refused when already hired", () => {
  spec.given([hired]).when(hire).thenThrows(DomainError, Code.ALREADY_HIRED);
});

Deno.test("employee hire: refuses invalid profile fields (422)", () => {
  const cases: [Partial<EmployeeCommand>, string][] = [
    [{ ansattnummer: " " }, Code.INVALID_ANSATTNUMMER],
    [{ fornavn: "" }, Code.INVALID_NAME],
    [{ etternavn: "  " }, Code.INVALID_NAME],
    [{ epost: "kari.trafikkskole.no" }, Code.INVALID_EPOST],
    [{ telefon: "12345678" }, Code.INVALID_TELEFON],
    [{ role: "SJEF" } as never, Code.INVALID_ROLE],
    [{ licenceClasses: ["B", "Z"] } as never, Code.INVALID_LICENCE_CLASS],
    [{ stillingsprosent: -1 }, Code.INVALID_STILLINGSPROSENT],
    [{ stillingsprosent: 100.5 }, Code.INVALID_STILLINGSPROSENT],
    [{ stillingsprosent: 33.333 }, Code.INVALID_STILLINGSPROSENT],
    [{ stillingsprosent: Number.NaN }, Code.INVALID_STILLINGSPROSENT],
    [{ startDate: "2025-02-30" }, Code.INVALID_DATE],
    [{ startDate: "06.01.2025" }, Code.INVALID_DATE],
    [{ endDate: "2025-13-01" }, Code.INVALID_DATE],
    [{ endDate: "2025-01-05" }, Code.INVALID_DATE_RANGE],
  ];
  for (const [change, code] of cases) {
    assert.throws(
      () =>
        employeeDecider.decide({ ...hire, ...change } as EmployeeCommand, null),
      (e: unknown) =>
        e instanceof DomainError && e.code === code && e.status === 422,
      `${JSON.stringify(change)} → ${code}`,
    );
  }
});

Deno.test("employee hire: accepts the edges of stillingsprosent and a same-day end", () => {
  for (const stillingsprosent of [0, 100, 33.33]) {
    spec.given([]).when({ ...hire, stillingsprosent }).thenState((state) =>
      assert.equal(state?.stillingsprosent, stillingsprosent)
    );
  }
  spec.given([]).when({ ...hire, endDate: "2025-01-06" }).thenState((state) =>
    assert.equal(state?.endDate, "2025-01-06")
  );
});

Deno.test("employee hire: the fødselsnummer must arrive encrypted and masked", () => {
  const bad = [
    { ...fnr, masked: "01019012345" },
    { ...fnr, masked: "0101*******" },
    { ...fnr, encrypted: { ...fnr.encrypted, keyId: "" } },
    { ...fnr, encrypted: { ...fnr.encrypted, ciphertext: "01019012345" } },
    { masked: "010190*****" },
    "01019012345",
  ] as unknown as EncryptedFodselsnummer[];
  for (const fodselsnummer of bad) {
    spec.given([]).when({ ...hire, fodselsnummer }).thenThrows(
      DomainError,
      Code.INVALID_FODSELSNUMMER,
    );
  }
});

Deno.test("employee: `at` must be an ISO instant with an offset (TypeError)", () => {
  spec.given([]).when({ ...hire, at: "2025-01-02T09:00:00" }).thenThrows(
    TypeError,
  );
  active.when({ type: "clock_in", shiftId: "s", at: "now" }).thenThrows(
    TypeError,
  );
});

Deno.test("employee: an unknown command is a TypeError", () => {
  active.when({ type: "promote", at: AT } as unknown as EmployeeCommand)
    .thenThrows(TypeError);
});

Deno.test("employee: every command but hire is refused before hiring", () => {
  refusesAll([], Code.NOT_FOUND, NotFoundError);
});

Deno.test("employee: a terminated employee refuses every command", () => {
  refusesAll([hired, terminated], Code.TERMINATED);
  gone.when(hire).thenThrows(DomainError, Code.ALREADY_HIRED);
});

// update

Deno.test("employee update: only changed fields are in the event", () => {
  active.when({
    type: "update",
    fornavn: "Kari",
    epost: " kari.n@trafikkskole.no ",
    telefon: "+47 912 34 567",
    licenceClasses: ["B", "BE", "A", "C1"],
    stillingsprosent: 100,
    at: AT,
  }).thenState((state, events) => {
    assert.deepEqual(events, [{
      type: "employee.updated",
      v: 2,
      data: {
        epost: "kari.n@trafikkskole.no",
        licenceClasses: ["A", "B", "BE", "C1"],
        stillingsprosent: 100,
        updatedAt: AT,
      },
    }]);
    assert.equal(state?.epost, "kari.n@trafikkskole.no");
    assert.equal(state?.fornavn, "Kari");
  });
});

Deno.test("employee update: null clears telefon, end date and fødselsnummer", () => {
  active.when({
    type: "update",
    telefon: null,
    endDate: "2025-12-31",
    fodselsnummer: null,
    at: AT,
  }).then([{
    type: "employee.updated",
    v: 2,
    data: {
      telefon: null,
      endDate: "2025-12-31",
      fodselsnummer: null,
      updatedAt: AT,
    },
  }]);
});

Deno.test("employee update: nothing changed gives no event", () => {
  active.when({ type: "update", fornavn: " Kari ", at: AT }).then([]);
  active.when({ type: "update", at: AT }).then([]);
});

Deno.test("employee update: validates fields and the date range", () => {
  active.when({ type: "update", epost: "nope", at: AT }).thenThrows(
    DomainError,
    Code.INVALID_EPOST,
  );
  active.when({ type: "update", stillingsprosent: 101, at: AT }).thenThrows(
    DomainError,
    Code.INVALID_STILLINGSPROSENT,
  );
  active.when({ type: "update", endDate: "2025-01-01", at: AT }).thenThrows(
    DomainError,
    Code.INVALID_DATE_RANGE,
  );
  spec.given([hired, {
    type: "employee.updated",
    v: 2,
    data: { endDate: "2025-03-01", updatedAt: AT },
  }]).when({ type: "update", startDate: "2025-04-01", at: AT }).thenThrows(
    DomainError,
    Code.INVALID_DATE_RANGE,
  );
  active.when({
    type: "update",
    fodselsnummer: { ...fnr, masked: "01019012345" },
    at: AT,
  }).thenThrows(DomainError, Code.INVALID_FODSELSNUMMER);
});

// change_role

Deno.test("employee change_role: records from and to", () => {
  active.when({ type: "change_role", role: "HOVEDBRUKER", at: AT }).thenState(
    (state, events) => {
      assert.deepEqual(events, [{
        type: "employee.role_changed",
        v: 1,
        data: { from: "TRAFIKKLARER", to: "HOVEDBRUKER", changedAt: AT },
      }]);
      assert.equal(state?.role, "HOVEDBRUKER");
    },
  );
});

Deno.test("employee change_role: the same role gives no event, an unknown one is refused", () => {
  active.when({ type: "change_role", role: "TRAFIKKLARER", at: AT }).then([]);
  active.when({ type: "change_role", role: "SJEF" as never, at: AT })
    .thenThrows(DomainError, Code.INVALID_ROLE);
});

// terminate

Deno.test("employee terminate: sets the end date and ends the employment", () => {
  active.when({
    type: "terminate",
    endDate: "2025-06-30",
    reason: " Flytter ",
    at: AT,
  }).thenState((state, events) => {
    assert.deepEqual(events, [{
      type: "employee.terminated",
      v: 2,
      data: { endDate: "2025-06-30", reason: "Flytter", terminatedAt: AT },
    }]);
    assert.equal(state?.status, EmployeeStatus.TERMINATED);
    assert.equal(state?.endDate, "2025-06-30");
    assert.equal(state?.terminationReason, "Flytter");
  });
});

Deno.test("employee terminate: refuses a bad end date", () => {
  active.when({ type: "terminate", endDate: "30.06.2025", at: AT }).thenThrows(
    DomainError,
    Code.INVALID_DATE,
  );
  active.when({ type: "terminate", endDate: "2025-01-05", at: AT }).thenThrows(
    DomainError,
    Code.INVALID_DATE_RANGE,
  );
});

Deno.test("employee terminate: refused while clocked in", () => {
  working.when({ type: "terminate", endDate: "2025-06-30", at: AT })
    .thenThrows(DomainError, Code.SHIFT_OPEN);
});

// clock_in

Deno.test("employee clock_in: opens a shift", () => {
  active.when({ type: "clock_in", shiftId: "shift-1", at: IN }).thenState(
    (state, events) => {
      assert.deepEqual(events, [clockedIn(IN)]);
      assert.deepEqual(state?.openShift, {
        shiftId: "shift-1",
        clockedInAt: IN,
      });
    },
  );
});

Deno.test("employee clock_in: refused while clocked in", () => {
  working.when({ type: "clock_in", shiftId: "shift-2", at: IN }).thenThrows(
    DomainError,
    Code.ALREADY_CLOCKED_IN,
  );
});

Deno.test("employee clock_in: a shift may not start before the last one ended", () => {
  const history = [
    hired,
    clockedIn("2025-03-03T07:00:00Z"),
    clockedOut("2025-03-03T07:00:00Z", "2025-03-03T15:00:00Z", 480),
  ];
  spec.given(history).when({
    type: "clock_in",
    shiftId: "shift-2",
    at: "2025-03-03T15:59:59+01:00",
  }).thenThrows(DomainError, Code.SHIFT_OVERLAP);
  spec.given(history).when({
    type: "clock_in",
    shiftId: "shift-2",
    at: "2025-03-03T16:00:00+01:00",
  }).then([clockedIn("2025-03-03T16:00:00+01:00", "shift-2")]);
});

Deno.test("employee clock_in: a shiftId is required (TypeError)", () => {
  active.when({ type: "clock_in", shiftId: "", at: IN }).thenThrows(TypeError);
});

// clock_out

Deno.test("employee clock_out: closes the shift with its duration", () => {
  const out = "2025-03-03T15:30:30+01:00";
  working.when({ type: "clock_out", at: out }).thenState((state, events) => {
    assert.deepEqual(events, [clockedOut(IN, out, 510)]);
    assert.equal(state?.openShift, null);
    assert.equal(state?.lastClockedOutAt, out);
  });
});

Deno.test("employee clock_out: a shift over 13 hours is flagged", () => {
  working.when({ type: "clock_out", at: "2025-03-03T20:00:00+01:00" }).then([
    clockedOut(IN, "2025-03-03T20:00:00+01:00", 780),
  ]);
  working.when({ type: "clock_out", at: "2025-03-03T20:00:01+01:00" }).then([
    clockedOut(IN, "2025-03-03T20:00:01+01:00", 780, [ShiftFlag.OVER_13_HOURS]),
  ]);
});

Deno.test("employee clock_out: refused when not clocked in", () => {
  active.when({ type: "clock_out", at: IN }).thenThrows(
    DomainError,
    Code.NOT_CLOCKED_IN,
  );
});

Deno.test("employee clock_out: refused at or before the clock-in (422)", () => {
  for (const at of [IN, "2025-03-03T05:59:59Z"]) {
    working.when({ type: "clock_out", at }).thenThrows(
      DomainError,
      Code.CLOCK_OUT_BEFORE_CLOCK_IN,
    );
  }
});

// close_open_shift

Deno.test("employee close_open_shift: closes a shift left open past the cutoff", () => {
  const cutoff = "2025-03-04T00:00:00+01:00";
  working.when({ type: "close_open_shift", cutoff, at: "2025-03-04T00:05:00Z" })
    .thenState((state, events) => {
      assert.deepEqual(events, [
        clockedOut(IN, cutoff, 1020, [
          ShiftFlag.AUTO_CLOSED,
          ShiftFlag.OVER_13_HOURS,
        ]),
      ]);
      assert.equal(state?.openShift, null);
    });
  const late = "2025-03-03T20:00:00+01:00";
  spec.given([hired, clockedIn(late)]).when({
    type: "close_open_shift",
    cutoff,
    at: AT,
  }).then([clockedOut(late, cutoff, 240, [ShiftFlag.AUTO_CLOSED])]);
});

Deno.test("employee close_open_shift: nothing to close gives no event", () => {
  active.when({ type: "close_open_shift", cutoff: IN, at: AT }).then([]);
  working.when({
    type: "close_open_shift",
    cutoff: "2025-03-03T00:00:00+01:00",
    at: AT,
  }).then([]);
});

Deno.test("employee close_open_shift: the cutoff must be an instant (TypeError)", () => {
  working.when({ type: "close_open_shift", cutoff: "2025-03-04", at: AT })
    .thenThrows(TypeError);
});

// register_absence

const ferie: EmployeeCommand = {
  type: "register_absence",
  absenceId: "abs-1",
  kind: "FERIE",
  fromDate: "2025-07-07",
  toDate: "2025-07-25",
  note: " Sommerferie ",
  at: AT,
};

Deno.test("employee register_absence: records the date range", () => {
  active.when(ferie).thenState((state, events) => {
    const data = {
      absenceId: "abs-1",
      kind: "FERIE" as const,
      fromDate: "2025-07-07",
      toDate: "2025-07-25",
      note: "Sommerferie",
      registeredAt: AT,
    };
    assert.deepEqual(events, [{
      type: "employee.absence_registered",
      v: 2,
      data,
    }]);
    assert.deepEqual(state?.absences, [data]);
  });
});

Deno.test("employee register_absence: one day is a valid range", () => {
  active.when({
    ...ferie,
    kind: "EGENMELDING",
    fromDate: "2025-03-03",
    toDate: "2025-03-03",
  }).thenState((_, events) => assert.equal(events.length, 1));
});

Deno.test("employee register_absence: refuses bad kinds and dates (422)", () => {
  active.when({ ...ferie, kind: "AVSPASERING" as never }).thenThrows(
    DomainError,
    Code.INVALID_ABSENCE_KIND,
  );
  active.when({ ...ferie, fromDate: "2025-06-31" }).thenThrows(
    DomainError,
    Code.INVALID_DATE,
  );
  active.when({ ...ferie, toDate: "2025-07-06" }).thenThrows(
    DomainError,
    Code.INVALID_DATE_RANGE,
  );
});

Deno.test("employee register_absence: an absence id is registered once", () => {
  spec.given([hired, absence("abs-1", "2025-01-10", "2025-01-11")]).when(ferie)
    .thenThrows(DomainError, Code.ABSENCE_EXISTS);
});

Deno.test("employee register_absence: overlapping absences are refused", () => {
  const given = spec.given([
    hired,
    absence("abs-0", "2025-07-01", "2025-07-07"),
  ]);
  given.when(ferie).thenThrows(DomainError, Code.ABSENCE_OVERLAP);
  given.when({ ...ferie, fromDate: "2025-06-01", toDate: "2025-08-01" })
    .thenThrows(DomainError, Code.ABSENCE_OVERLAP);
  given.when({ ...ferie, fromDate: "2025-07-03", toDate: "2025-07-04" })
    .thenThrows(DomainError, Code.ABSENCE_OVERLAP);
  given.when({ ...ferie, fromDate: "2025-07-08" }).thenState((state) =>
    assert.equal(state?.absences.length, 2)
  );
});

Deno.test("employee: state is plain JSON and survives structuredClone", () => {
  const state = [
    hired,
    clockedIn(IN),
    clockedOut(IN, "2025-03-03T15:00:00+01:00", 480),
    absence("abs-1", "2025-07-01", "2025-07-07"),
  ].reduce(employeeDecider.evolve, employeeDecider.initialState);
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  assert.deepEqual(structuredClone(state), state);
});
