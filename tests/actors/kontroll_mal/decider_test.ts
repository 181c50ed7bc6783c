import { NotFoundError } from "../../../runtime/core/mod.ts";
import assert from "node:assert/strict";
import { DomainError } from "../../../runtime/core/mod.ts";
import {
  kontrollMalDecider,
  kontrollMalSnapshot,
} from "../../../actors/kontroll_mal/decider.ts";
import {
  KontrollMalCommand,
  KontrollMalErrorCode as Code,
  KontrollMalStatus,
} from "../../../actors/kontroll_mal/types.ts";
import type { KontrollMalEvent } from "../../../actors/kontroll_mal/events.ts";
import type { Sjekkpunkt } from "../../../actors/kontroll_mal/types.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(kontrollMalDecider);
const AT = "2025-03-03T08:00:00Z";
const LATER = "2025-03-04T09:30:00+01:00";

const lys: Sjekkpunkt = {
  id: "lys",
  tittel: "Lys",
  beskrivelse: "Kontroller nærlys, fjernlys og blinklys",
  kind: "VISUELL",
  answerType: "CHECKBOX",
  required: true,
  signedOffBy: "BEGGE",
  licenceClass: "B",
};
const dekk: Sjekkpunkt = {
  id: "dekk",
  tittel: "Mønsterdybde",
  beskrivelse: "Mål mønsterdybden i mm",
  kind: "FYSISK",
  answerType: "NUMBER",
  required: false,
  signedOffBy: "LAERER",
  licenceClass: "B",
};

const create: KontrollMalCommand = {
  type: "create",
  id: "mal-1",
  bedriftId: "bedrift-1",
  navn: "Sikkerhetskontroll klasse B",
  beskrivelse: "Standard",
  sjekkpunkter: [lys, dekk],
  at: AT,
};
const created: KontrollMalEvent = {
  type: "kontroll_mal.created",
  v: 1,
  data: {
    id: "mal-1",
    bedriftId: "bedrift-1",
    navn: "Sikkerhetskontroll klasse B",
    beskrivelse: "Standard",
    sjekkpunkter: [lys, dekk],
    createdAt: AT,
  },
};
const archived: KontrollMalEvent = {
  type: "kontroll_mal.archived",
  v: 1,
  data: { archivedAt: LATER },
};

Deno.test("kontroll_mal create: a template with its points", () => {
  spec.given([]).when(create).then([created]);
});

Deno.test("kontroll_mal create: trims names and defaults the description", () => {
  const { beskrivelse: _, ...bare } = lys;
  spec.given([]).when({
    ...create,
    navn: "  Klasse B  ",
    beskrivelse: undefined,
    sjekkpunkter: [{ ...bare, tittel: " Lys " } as Sjekkpunkt],
  }).thenState((state, [event]) => {
    assert.equal(event.type, "kontroll_mal.created");
    assert.equal(state?.navn, "Klasse B");
    assert.equal(state?.beskrivelse, "");
    assert.deepEqual(state?.sjekkpunkter, [{ ...lys, beskrivelse: "" }]);
    assert.equal(state?.status, KontrollMalStatus.AKTIV);
    assert.equal(state?.revision, 1);
    assert.equal(
      JSON.stringify(JSON.parse(JSON.stringify(state))),
      JSON.stringify(state),
    );
  });
});

Deno.test("kontroll_mal create: refused when it exists", () => {
  spec.given([created]).when(create).thenThrows(
    DomainError,
    Code.ALREADY_CREATED,
  );
});

Deno.test("kontroll_mal create: a blank name is refused (422)", () => {
  spec.given([]).when({ ...create, navn: "  " }).thenThrows(
    DomainError,
    Code.INVALID_NAVN,
  );
  assert.throws(
    () => kontrollMalDecider.decide({ ...create, navn: "" }, null),
    (e: unknown) => e instanceof DomainError && e.status === 422,
  );
});

Deno.test("kontroll_mal create: needs at least one point", () => {
  spec.given([]).when({ ...create, sjekkpunkter: [] }).thenThrows(
    DomainError,
    Code.NO_SJEKKPUNKTER,
  );
});

Deno.test("kontroll_mal create: refuses an invalid point", () => {
  const bad = [
    { ...lys, kind: "HØRBAR" },
    { ...lys, answerType: "DATE" },
    { ...lys, signedOffBy: "SENSOR" },
    { ...lys, licenceClass: "Q" },
    { ...lys, tittel: " " },
    { ...lys, id: "" },
    { ...lys, required: "yes" },
  ] as unknown as Sjekkpunkt[];
  for (const point of bad) {
    spec.given([]).when({ ...create, sjekkpunkter: [point] }).thenThrows(
      DomainError,
      Code.INVALID_SJEKKPUNKT,
    );
  }
});

Deno.test("kontroll_mal create: point ids must be unique", () => {
  spec.given([]).when({
    ...create,
    sjekkpunkter: [lys, { ...dekk, id: "lys" }],
  })
    .thenThrows(DomainError, Code.DUPLICATE_SJEKKPUNKT_ID);
});

Deno.test("kontroll_mal: `at` must be an ISO instant (TypeError)", () => {
  spec.given([]).when({ ...create, at: "2025-03-03 08:00" }).thenThrows(
    TypeError,
  );
});

Deno.test("kontroll_mal update: only changed fields, next revision", () => {
  spec.given([created]).when({
    type: "update",
    navn: "Klasse B (ny)",
    beskrivelse: "Standard",
    sjekkpunkter: [lys, dekk],
    at: LATER,
  }).then([{
    type: "kontroll_mal.updated",
    v: 1,
    data: { revision: 2, navn: "Klasse B (ny)", updatedAt: LATER },
  }]);
});

Deno.test("kontroll_mal update: new points replace the old ones", () => {
  const points = [{ ...dekk, required: true }];
  spec.given([created]).when({
    type: "update",
    sjekkpunkter: points,
    at: LATER,
  })
    .thenState((state, events) => {
      assert.deepEqual(events, [{
        type: "kontroll_mal.updated",
        v: 1,
        data: { revision: 2, sjekkpunkter: points, updatedAt: LATER },
      }]);
      assert.deepEqual(state?.sjekkpunkter, points);
      assert.equal(state?.navn, "Sikkerhetskontroll klasse B");
      assert.equal(state?.revision, 2);
      assert.equal(state?.updatedAt, LATER);
    });
});

Deno.test("kontroll_mal update: nothing changed gives no event", () => {
  spec.given([created]).when({
    type: "update",
    navn: " Sikkerhetskontroll klasse B ",
    at: LATER,
  }).then([]);
  spec.given([created]).when({ type: "update", at: LATER }).then([]);
});

Deno.test("kontroll_mal update: refused before creation", () => {
  spec.given([]).when({ type: "update", navn: "X", at: LATER }).thenThrows(
    NotFoundError,
    Code.NOT_FOUND,
  );
});

Deno.test("kontroll_mal update: refused when archived", () => {
  spec.given([created, archived]).when({ type: "update", navn: "X", at: LATER })
    .thenThrows(DomainError, Code.ARCHIVED);
});

Deno.test("kontroll_mal update: validates like create", () => {
  const given = spec.given([created]);
  given.when({ type: "update", navn: "", at: LATER }).thenThrows(
    DomainError,
    Code.INVALID_NAVN,
  );
  given.when({ type: "update", sjekkpunkter: [], at: LATER }).thenThrows(
    DomainError,
    Code.NO_SJEKKPUNKTER,
  );
  given.when({
    type: "update",
    sjekkpunkter: [{ ...lys, kind: "X" } as unknown as Sjekkpunkt],
    at: LATER,
  }).thenThrows(DomainError, Code.INVALID_SJEKKPUNKT);
  given.when({ type: "update", sjekkpunkter: [lys, lys], at: LATER })
    .thenThrows(DomainError, Code.DUPLICATE_SJEKKPUNKT_ID);
});

Deno.test("kontroll_mal archive: archives an active template", () => {
  spec.given([created]).when({ type: "archive", at: LATER }).thenState(
    (state, events) => {
      assert.deepEqual(events, [archived]);
      assert.equal(state?.status, KontrollMalStatus.ARKIVERT);
    },
  );
});

Deno.test("kontroll_mal archive: refused before creation and when archived", () => {
  spec.given([]).when({ type: "archive", at: LATER }).thenThrows(
    NotFoundError,
    Code.NOT_FOUND,
  );
  spec.given([created, archived]).when({ type: "archive", at: LATER })
    .thenThrows(DomainError, Code.ARCHIVED);
});

Deno.test("kontroll_mal: an unknown command is a TypeError", () => {
  spec.given([created]).when(
    { type: "delete", at: LATER } as unknown as KontrollMalCommand,
  ).thenThrows(TypeError);
});

Deno.test("kontrollMalSnapshot: reference plus a copy of the points", () => {
  const state = [created].reduce(
    kontrollMalDecider.evolve,
    kontrollMalDecider.initialState,
  );
  const snapshot = kontrollMalSnapshot(state);
  assert.deepEqual(snapshot, {
    mal: { id: "mal-1", revision: 1, navn: "Sikkerhetskontroll klasse B" },
    sjekkpunkter: [lys, dekk],
  });
  assert.notEqual(snapshot.sjekkpunkter, state!.sjekkpunkter);
});

Deno.test("kontrollMalSnapshot: refused for a missing or archived template", () => {
  assert.throws(
    () => kontrollMalSnapshot(null),
    (e: unknown) => e instanceof NotFoundError && e.code === Code.NOT_FOUND,
  );
  const archivedState = [created, archived].reduce(
    kontrollMalDecider.evolve,
    kontrollMalDecider.initialState,
  );
  assert.throws(
    () => kontrollMalSnapshot(archivedState),
    (e: unknown) => e instanceof DomainError && e.code === Code.ARCHIVED,
  );
});
