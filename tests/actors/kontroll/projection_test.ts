import {
  kontrollerProjection,
  kontrollEvent,
} from "../../../actors/kontroll/mod.ts";
import { Feed, projectionSpec } from "../../support/mod.ts";

const spec = projectionSpec(kontrollerProjection);
const at = "2025-03-03T08:00:00.000Z";
const laerer = { role: "LAERER", userId: "u1" } as const;
const COUNTS = `SELECT id, status, antall_punkter, antall_pakrevde,
  antall_registrert, antall_bestatt, antall_bilder, antall_avvik,
  pakrevde_ikke_bestatt, version, position FROM kontroller ORDER BY id`;
const POINTS = `SELECT kontroll_id, id, idx, required, passed, photos, version
  FROM kontroll_points ORDER BY kontroll_id, idx`;

const point = (id: string, required: boolean) => ({
  id,
  tittel: `Punkt ${id}`,
  beskrivelse: "",
  kind: "VISUELL" as const,
  answerType: "CHECKBOX" as const,
  required,
  signedOffBy: "BEGGE" as const,
  licenceClass: "B" as const,
});
const created = (id: string) =>
  kontrollEvent("kontroll.created", {
    id,
    bedriftId: "b1",
    mal: { id: "m1", revision: 1, navn: "Klasse B" },
    registreringsnummer: "EL12345",
    instructorId: "u1",
    learnerId: null,
    sjekkpunkter: [
      point("lys", true),
      point("dekk", true),
      point("bilde", false),
    ],
    createdAt: at,
  });
const recorded = (pointId: string, passed: boolean) =>
  kontrollEvent("kontroll.point_recorded", {
    pointId,
    value: passed,
    passed,
    comment: null,
    recordedBy: laerer,
    recordedAt: at,
  });
const photo = (pointId: string, n: number) =>
  kontrollEvent("kontroll.photo_attached", {
    pointId,
    fileId: `f${n}`,
    contentType: "image/jpeg",
    size: 100,
    sha256: "0".repeat(64),
    attachedBy: laerer,
    attachedAt: at,
  });

Deno.test("kontroller projection: counts move with each verdict (a point recorded again replaces its verdict); one row per point", async () => {
  const feed = new Feed();
  const first = [
    feed.commit("kontroll", "k1", [created("k1")]),
    feed.commit("kontroll", "k1", [recorded("lys", false)]),
  ];
  const second = [
    feed.commit("kontroll", "k1", [recorded("lys", true)]),
    feed.commit("kontroll", "k1", [recorded("dekk", false)]),
    feed.commit("kontroll", "k1", [photo("bilde", 1)]),
    feed.commit("kontroll", "k1", [photo("bilde", 2)]),
  ];
  const open = {
    id: "k1",
    status: "UNDER_ARBEID",
    antall_punkter: 3,
    antall_pakrevde: 2,
  };
  await spec.given(first).thenRows(COUNTS, [{
    ...open,
    antall_registrert: 1,
    antall_bestatt: 0,
    antall_bilder: 0,
    antall_avvik: 1,
    pakrevde_ikke_bestatt: 1,
    version: 2,
    position: 2,
  }]);
  await spec.given(first, second).thenRows(COUNTS, [{
    ...open,
    antall_registrert: 2,
    antall_bestatt: 1,
    antall_bilder: 2,
    antall_avvik: 1,
    pakrevde_ikke_bestatt: 1,
    version: 6,
    position: 6,
  }]);
  await spec.given(first, second).thenRows(POINTS, [
    {
      kontroll_id: "k1",
      id: "lys",
      idx: 0,
      required: true,
      passed: true,
      photos: 0,
      version: 3,
    },
    {
      kontroll_id: "k1",
      id: "dekk",
      idx: 1,
      required: true,
      passed: false,
      photos: 0,
      version: 4,
    },
    {
      kontroll_id: "k1",
      id: "bilde",
      idx: 2,
      required: false,
      passed: null,
      photos: 2,
      version: 6,
    },
  ]);
  // One batch, or one commit per batch: the same rows.
  await spec.given([...first, ...second]).thenIdempotent(COUNTS);
  await spec.given(...[...first, ...second].map((c) => [c])).thenIdempotent(
    POINTS,
  );
});

Deno.test("kontroller projection: passed counts no avvik; failed counts the avvik listed", async () => {
  const feed = new Feed();
  await spec.given([
    feed.commit("kontroll", "k1", [created("k1")]),
    feed.commit("kontroll", "k1", [recorded("lys", true)]),
    feed.commit("kontroll", "k1", [recorded("dekk", true)]),
    feed.commit("kontroll", "k1", [
      kontrollEvent("kontroll.completed", {
        completedBy: "u1",
        completedAt: at,
      }),
    ]),
    feed.commit("kontroll", "k2", [created("k2")]),
    feed.commit("kontroll", "k2", [recorded("lys", false)]),
    feed.commit("kontroll", "k2", [
      kontrollEvent("kontroll.failed", {
        avvik: [
          {
            pointId: "lys",
            tittel: "Punkt lys",
            reason: "NOT_PASSED",
            comment: null,
          },
          {
            pointId: "dekk",
            tittel: "Punkt dekk",
            reason: "NOT_RECORDED",
            comment: null,
          },
        ],
        completedBy: "u1",
        completedAt: at,
      }),
    ]),
  ]).thenRows(
    "SELECT id, status, antall_registrert, antall_bestatt, antall_avvik FROM kontroller ORDER BY id",
    [
      {
        id: "k1",
        status: "BESTATT",
        antall_registrert: 2,
        antall_bestatt: 2,
        antall_avvik: 0,
      },
      {
        id: "k2",
        status: "IKKE_BESTATT",
        antall_registrert: 1,
        antall_bestatt: 0,
        antall_avvik: 2,
      },
    ],
  );
});
