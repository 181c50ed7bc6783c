import { NotFoundError } from "../../../runtime/core/mod.ts";
import assert from "node:assert/strict";
import { DomainError } from "../../../runtime/core/mod.ts";
import { kontrollDecider } from "../../../actors/kontroll/decider.ts";
import {
  AvvikReason,
  KontrollErrorCode as Code,
  KontrollStatus,
  PhotoLimits,
} from "../../../actors/kontroll/types.ts";
import type { KontrollEvent } from "../../../actors/kontroll/events.ts";
import type {
  KontrollCommand,
  Participant,
  PhotoMetadata,
} from "../../../actors/kontroll/types.ts";
import type { Sjekkpunkt } from "../../../actors/kontroll_mal/types.ts";
import { deciderSpec } from "../../support/decider_spec.ts";

const spec = deciderSpec(kontrollDecider);
const T0 = "2025-03-03T08:00:00Z";
const T1 = "2025-03-03T08:05:00Z";
const T2 = "2025-03-03T08:10:00Z";
const T3 = "2025-03-03T08:30:00Z";

const point = (p: Partial<Sjekkpunkt> & { id: string }): Sjekkpunkt => ({
  tittel: p.id.toUpperCase(),
  beskrivelse: "",
  kind: "VISUELL",
  answerType: "CHECKBOX",
  required: true,
  signedOffBy: "BEGGE",
  licenceClass: "B",
  ...p,
});
const lys = point({ id: "lys" });
const dekk = point({
  id: "dekk",
  kind: "FYSISK",
  answerType: "NUMBER",
  required: false,
  signedOffBy: "LAERER",
});
const olje = point({ id: "olje", answerType: "TEXT", signedOffBy: "ELEV" });
const bilde = point({
  id: "bilde",
  answerType: "PHOTO",
  signedOffBy: "LAERER",
});
const points = [lys, dekk, olje, bilde];

const laerer: Participant = { role: "LAERER", userId: "laerer-1" };
const elev: Participant = { role: "ELEV", userId: "elev-1" };
const mal = { id: "mal-1", revision: 3, navn: "Klasse B" };

const create: KontrollCommand = {
  type: "create",
  id: "k-1",
  bedriftId: "bedrift-1",
  mal,
  sjekkpunkter: points,
  registreringsnummer: "el 12345",
  instructorId: "laerer-1",
  learnerId: "elev-1",
  at: T0,
};
const created: KontrollEvent = {
  type: "kontroll.created",
  v: 1,
  data: {
    id: "k-1",
    bedriftId: "bedrift-1",
    mal,
    registreringsnummer: "EL12345",
    instructorId: "laerer-1",
    learnerId: "elev-1",
    sjekkpunkter: points,
    createdAt: T0,
  },
};

const photo: PhotoMetadata = {
  fileId: "file-1",
  contentType: "image/jpeg",
  size: 123_456,
  sha256: "a".repeat(64),
};
const attach = (
  fileId = "file-1",
  pointId = "bilde",
  by = laerer,
): KontrollCommand => ({
  type: "attach_photo",
  pointId,
  photo: { ...photo, fileId },
  by,
  at: T1,
});
const photoAttached = (
  fileId = "file-1",
  pointId = "bilde",
): KontrollEvent => ({
  type: "kontroll.photo_attached",
  v: 1,
  data: { pointId, ...photo, fileId, attachedBy: laerer, attachedAt: T1 },
});
const recorded = (
  pointId: string,
  value: boolean | number | string,
  passed: boolean,
  by = laerer,
  comment: string | null = null,
): KontrollEvent => ({
  type: "kontroll.point_recorded",
  v: 1,
  data: { pointId, value, passed, comment, recordedBy: by, recordedAt: T2 },
});
const record = (
  pointId: string,
  value: boolean | number | string,
  extra: Partial<Extract<KontrollCommand, { type: "record_point" }>> = {},
): KontrollCommand => ({
  type: "record_point",
  pointId,
  value,
  by: laerer,
  at: T2,
  ...extra,
});
const complete: KontrollCommand = { type: "complete", by: laerer, at: T3 };

const allPassed = [
  created,
  photoAttached(),
  recorded("lys", true, true, elev),
  recorded("olje", "Oljenivå mellom min og maks", true, elev),
  recorded("bilde", "file-1", true),
];
const completed: KontrollEvent = {
  type: "kontroll.completed",
  v: 1,
  data: { completedBy: "laerer-1", completedAt: T3 },
};
const failed: KontrollEvent = {
  type: "kontroll.failed",
  v: 1,
  data: {
    avvik: [{
      pointId: "lys",
      tittel: "LYS",
      reason: "NOT_RECORDED",
      comment: null,
    }],
    completedBy: "laerer-1",
    completedAt: T3,
  },
};

// create

Deno.test("kontroll create: from a template snapshot, registreringsnummer normalised", () => {
  spec.given([]).when(create).thenState((state, events) => {
    assert.deepEqual(events, [created]);
    assert.equal(state?.status, KontrollStatus.OPPRETTET);
    assert.deepEqual(state?.points.map((p) => [p.id, p.result, p.photos]), [
      ["lys", null, []],
      ["dekk", null, []],
      ["olje", null, []],
      ["bilde", null, []],
    ]);
  });
});

Deno.test("kontroll create: the learner is optional", () => {
  spec.given([]).when({
    ...create,
    learnerId: undefined,
    sjekkpunkter: [lys, dekk],
  }).thenState((state) => assert.equal(state?.learnerId, null));
});

Deno.test("kontroll create: refused when it exists", () => {
  spec.given([created]).when(create).thenThrows(
    DomainError,
    Code.ALREADY_CREATED,
  );
});

Deno.test("kontroll create: refuses a bad registreringsnummer", () => {
  for (const r of ["E12345", "EL123", "EL-12345", "123456"]) {
    spec.given([]).when({ ...create, registreringsnummer: r }).thenThrows(
      DomainError,
      Code.INVALID_REGISTRERINGSNUMMER,
    );
  }
});

Deno.test("kontroll create: refuses an empty, invalid or ambiguous checklist", () => {
  const given = spec.given([]);
  given.when({ ...create, sjekkpunkter: [] }).thenThrows(
    DomainError,
    Code.NO_SJEKKPUNKTER,
  );
  given.when({
    ...create,
    sjekkpunkter: [{ ...lys, answerType: "VIDEO" } as unknown as Sjekkpunkt],
  }).thenThrows(DomainError, Code.INVALID_SJEKKPUNKT);
  given.when({ ...create, sjekkpunkter: [lys, { ...dekk, id: "lys" }] })
    .thenThrows(DomainError, Code.DUPLICATE_SJEKKPUNKT_ID);
});

Deno.test("kontroll create: required learner-only points need a learner", () => {
  spec.given([]).when({ ...create, learnerId: null }).thenThrows(
    DomainError,
    Code.LEARNER_REQUIRED,
  );
  spec.given([]).when({
    ...create,
    learnerId: null,
    sjekkpunkter: [lys, { ...olje, required: false }],
  }).thenState((state) => assert.equal(state?.learnerId, null));
});

Deno.test("kontroll: `at` must be an ISO instant (TypeError)", () => {
  spec.given([]).when({ ...create, at: "yesterday" }).thenThrows(TypeError);
  spec.given([created]).when({ ...complete, at: "" }).thenThrows(TypeError);
});

Deno.test("kontroll: an unknown command is a TypeError", () => {
  spec.given([created]).when(
    { type: "cancel", at: T1 } as unknown as KontrollCommand,
  ).thenThrows(TypeError);
});

// record_point

Deno.test("kontroll record_point: the first result starts the work", () => {
  spec.given([created]).when(record("lys", true, { by: elev })).thenState(
    (state, events) => {
      assert.deepEqual(events, [recorded("lys", true, true, elev)]);
      assert.equal(state?.status, KontrollStatus.UNDER_ARBEID);
      assert.equal(state?.startedAt, T2);
      assert.deepEqual(state?.points[0].result, {
        value: true,
        passed: true,
        comment: null,
        recordedBy: elev,
        recordedAt: T2,
      });
    },
  );
});

Deno.test("kontroll record_point: CHECKBOX false does not pass", () => {
  spec.given([created]).when(record("lys", false, { comment: " Blinklys " }))
    .then([recorded("lys", false, false, laerer, "Blinklys")]);
});

Deno.test("kontroll record_point: NUMBER and TEXT pass unless the verdict says no", () => {
  spec.given([created]).when(record("dekk", 1.6)).then([
    recorded("dekk", 1.6, true),
  ]);
  spec.given([created]).when(record("dekk", 1.2, { passed: false })).then([
    recorded("dekk", 1.2, false),
  ]);
  spec.given([created]).when(record("olje", "  Under min  ", {
    by: elev,
    passed: false,
  })).then([recorded("olje", "Under min", false, elev)]);
});

Deno.test("kontroll record_point: PHOTO takes an attached photo's fileId", () => {
  spec.given([created, photoAttached()]).when(record("bilde", "file-1")).then([
    recorded("bilde", "file-1", true),
  ]);
});

Deno.test("kontroll record_point: a later result replaces the earlier one", () => {
  spec.given([created, recorded("lys", false, false)]).when(record("lys", true))
    .thenState((state) => {
      assert.equal(state?.points[0].result?.passed, true);
      assert.equal(state?.startedAt, T2);
    });
});

Deno.test("kontroll record_point: refused before creation", () => {
  spec.given([]).when(record("lys", true)).thenThrows(
    NotFoundError,
    Code.NOT_FOUND,
  );
});

Deno.test("kontroll record_point: a completed kontroll is immutable", () => {
  spec.given([...allPassed, completed]).when(record("lys", false)).thenThrows(
    DomainError,
    Code.COMPLETED_IMMUTABLE,
  );
  spec.given([created, recorded("dekk", 2, true), failed])
    .when(record("lys", true)).thenThrows(
      DomainError,
      Code.COMPLETED_IMMUTABLE,
    );
});

Deno.test("kontroll record_point: only the kontroll's own instructor and learner", () => {
  const given = spec.given([created]);
  given.when(record("lys", true, { by: { role: "LAERER", userId: "other" } }))
    .thenThrows(DomainError, Code.NOT_PARTICIPANT);
  given.when(record("lys", true, { by: { role: "ELEV", userId: "laerer-1" } }))
    .thenThrows(DomainError, Code.NOT_PARTICIPANT);
  spec.given([{
    ...created,
    data: { ...(created.data as object), learnerId: null },
  } as KontrollEvent]).when(
    record("lys", true, { by: { role: "ELEV", userId: "elev-1" } }),
  ).thenThrows(DomainError, Code.NOT_PARTICIPANT);
});

Deno.test("kontroll record_point: unknown check point (422)", () => {
  spec.given([created]).when(record("horn", true)).thenThrows(
    DomainError,
    Code.UNKNOWN_SJEKKPUNKT,
  );
});

Deno.test("kontroll record_point: who may sign off follows the point", () => {
  spec.given([created]).when(record("dekk", 2, { by: elev })).thenThrows(
    DomainError,
    Code.SIGNOFF_NOT_ALLOWED,
  );
  spec.given([created]).when(record("olje", "OK")).thenThrows(
    DomainError,
    Code.SIGNOFF_NOT_ALLOWED,
  );
});

Deno.test("kontroll record_point: the value must fit the answer type", () => {
  const given = spec.given([created, photoAttached()]);
  const cases: KontrollCommand[] = [
    record("lys", "ja"),
    record("lys", 1),
    record("lys", true, { passed: false }),
    record("dekk", "2"),
    record("dekk", Number.NaN),
    record("dekk", Number.POSITIVE_INFINITY),
    record("dekk", 2, { passed: "yes" as unknown as boolean }),
    record("olje", "   ", { by: elev }),
    record("olje", 3, { by: elev }),
    record("bilde", true),
    record("bilde", ""),
  ];
  for (const command of cases) {
    given.when(command).thenThrows(DomainError, Code.INVALID_VALUE);
  }
});

Deno.test("kontroll record_point: a PHOTO point needs its photo attached first", () => {
  spec.given([created]).when(record("bilde", "file-1")).thenThrows(
    DomainError,
    Code.PHOTO_MISSING,
  );
  spec.given([created, photoAttached("file-9", "lys")]).when(
    record("bilde", "file-9"),
  ).thenThrows(DomainError, Code.PHOTO_MISSING);
});

// attach_photo

Deno.test("kontroll attach_photo: records the metadata, status unchanged", () => {
  spec.given([created]).when(attach()).thenState((state, events) => {
    assert.deepEqual(events, [photoAttached()]);
    assert.equal(state?.status, KontrollStatus.OPPRETTET);
    assert.deepEqual(state?.points[3].photos, [{
      ...photo,
      attachedBy: laerer,
      attachedAt: T1,
    }]);
  });
});

Deno.test("kontroll attach_photo: any point, by any participant", () => {
  spec.given([created]).when(attach("file-2", "lys", elev)).then([{
    type: "kontroll.photo_attached",
    v: 1,
    data: {
      pointId: "lys",
      ...photo,
      fileId: "file-2",
      attachedBy: elev,
      attachedAt: T1,
    },
  }]);
});

Deno.test("kontroll attach_photo: refused before creation and after completion", () => {
  spec.given([]).when(attach()).thenThrows(NotFoundError, Code.NOT_FOUND);
  spec.given([...allPassed, completed]).when(attach("file-2")).thenThrows(
    DomainError,
    Code.COMPLETED_IMMUTABLE,
  );
});

Deno.test("kontroll attach_photo: participants only, known points only", () => {
  spec.given([created]).when(
    attach("file-2", "bilde", { role: "ELEV", userId: "x" }),
  ).thenThrows(DomainError, Code.NOT_PARTICIPANT);
  spec.given([created]).when(attach("file-2", "horn")).thenThrows(
    DomainError,
    Code.UNKNOWN_SJEKKPUNKT,
  );
});

Deno.test("kontroll attach_photo: refuses bad metadata (422)", () => {
  const bad: Partial<PhotoMetadata>[] = [
    { contentType: "application/pdf" },
    { contentType: "image/gif" },
    { size: 0 },
    { size: PhotoLimits.maxBytes + 1 },
    { size: 1.5 },
    { sha256: "A".repeat(64) },
    { sha256: "a".repeat(63) },
    { fileId: " " },
  ];
  for (const change of bad) {
    spec.given([created]).when({
      type: "attach_photo",
      pointId: "bilde",
      photo: { ...photo, ...change },
      by: laerer,
      at: T1,
    }).thenThrows(DomainError, Code.INVALID_PHOTO);
  }
  spec.given([created]).when({
    type: "attach_photo",
    pointId: "bilde",
    photo: { ...photo, size: PhotoLimits.maxBytes, contentType: "image/heic" },
    by: laerer,
    at: T1,
  }).thenState((_, events) => assert.equal(events.length, 1));
});

Deno.test("kontroll attach_photo: a file is attached once", () => {
  spec.given([created, photoAttached()]).when(attach("file-1", "lys"))
    .thenThrows(DomainError, Code.PHOTO_ALREADY_ATTACHED);
});

Deno.test("kontroll attach_photo: at most maxPerPoint photos per point", () => {
  const full = Array.from(
    { length: PhotoLimits.maxPerPoint },
    (_, i) => photoAttached(`f-${i}`),
  );
  spec.given([created, ...full]).when(attach("one-more")).thenThrows(
    DomainError,
    Code.TOO_MANY_PHOTOS,
  );
  spec.given([created, ...full]).when(attach("one-more", "lys")).thenState(
    (_, events) => assert.equal(events.length, 1),
  );
});

// complete

Deno.test("kontroll complete: every required point passed → BESTATT", () => {
  spec.given(allPassed).when(complete).thenState((state, events) => {
    assert.deepEqual(events, [completed]);
    assert.equal(state?.status, KontrollStatus.BESTATT);
    assert.equal(state?.completedAt, T3);
    assert.deepEqual(state?.avvik, []);
  });
});

Deno.test("kontroll complete: an optional point that failed does not fail it", () => {
  spec.given([...allPassed, recorded("dekk", 1.1, false)]).when(complete).then([
    completed,
  ]);
});

Deno.test("kontroll complete: required points missing or not passed → IKKE_BESTATT with avvik", () => {
  spec.given([
    created,
    recorded("lys", false, false, laerer, "Venstre blinklys virker ikke"),
    recorded("dekk", 3, true),
  ]).when(complete).thenState((state, events) => {
    const avvik = [
      {
        pointId: "lys",
        tittel: "LYS",
        reason: AvvikReason.NOT_PASSED,
        comment: "Venstre blinklys virker ikke",
      },
      {
        pointId: "olje",
        tittel: "OLJE",
        reason: AvvikReason.NOT_RECORDED,
        comment: null,
      },
      {
        pointId: "bilde",
        tittel: "BILDE",
        reason: AvvikReason.NOT_RECORDED,
        comment: null,
      },
    ];
    assert.deepEqual(events, [{
      type: "kontroll.failed",
      v: 1,
      data: { avvik, completedBy: "laerer-1", completedAt: T3 },
    }]);
    assert.equal(state?.status, KontrollStatus.IKKE_BESTATT);
    assert.deepEqual(state?.avvik, avvik);
  });
});

Deno.test("kontroll complete: only the instructor completes (422)", () => {
  spec.given(allPassed).when({ ...complete, by: elev }).thenThrows(
    DomainError,
    Code.NOT_INSTRUCTOR,
  );
  spec.given(allPassed).when({
    ...complete,
    by: { role: "LAERER", userId: "laerer-2" },
  }).thenThrows(DomainError, Code.NOT_INSTRUCTOR);
});

Deno.test("kontroll complete: refused before any result", () => {
  spec.given([created, photoAttached()]).when(complete).thenThrows(
    DomainError,
    Code.NOT_STARTED,
  );
});

Deno.test("kontroll complete: refused before creation and once completed", () => {
  spec.given([]).when(complete).thenThrows(NotFoundError, Code.NOT_FOUND);
  spec.given([...allPassed, completed]).when(complete).thenThrows(
    DomainError,
    Code.COMPLETED_IMMUTABLE,
  );
  spec.given([created, recorded("dekk", 2, true), failed]).when(complete)
    .thenThrows(DomainError, Code.COMPLETED_IMMUTABLE);
});

Deno.test("kontroll: state is plain JSON and survives structuredClone", () => {
  const state = [...allPassed, completed].reduce(
    kontrollDecider.evolve,
    kontrollDecider.initialState,
  );
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  assert.deepEqual(structuredClone(state), state);
});

Deno.test("kontroll: rule violations carry 409 or 422", () => {
  const status = (events: KontrollEvent[], command: KontrollCommand) => {
    const state = events.reduce(
      kontrollDecider.evolve,
      kontrollDecider.initialState,
    );
    try {
      kontrollDecider.decide(command, state);
    } catch (e) {
      return e instanceof DomainError ? e.status : e;
    }
    return "no error";
  };
  assert.equal(status([created], create), 409);
  assert.equal(status([...allPassed, completed], complete), 409);
  assert.equal(status([created], record("horn", true)), 422);
  assert.equal(status([created], record("lys", "x")), 422);
});
