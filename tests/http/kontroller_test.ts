import assert from "node:assert/strict";
import { MemoryFileStore, sha256Hex } from "../../runtime/storage/mod.ts";
import { jpeg, png } from "../contracts/file_store_contract.ts";
import { domainApp } from "../support/domain_app.ts";

type T = Awaited<ReturnType<typeof domainApp>>;

const sjekkpunkter = [
  {
    id: "lys",
    tittel: "Lys foran og bak",
    kind: "VISUELL",
    answerType: "CHECKBOX",
    required: true,
    signedOffBy: "BEGGE",
    licenceClass: "B",
  },
  {
    id: "dekk",
    tittel: "Mønsterdybde",
    kind: "FYSISK",
    answerType: "NUMBER",
    required: true,
    signedOffBy: "LAERER",
    licenceClass: "B",
  },
  {
    id: "bilde",
    tittel: "Bilde av dekk",
    kind: "VISUELL",
    answerType: "PHOTO",
    required: false,
    signedOffBy: "LAERER",
    licenceClass: "B",
  },
];

function problem(
  res: { status: number; headers: Headers; body: Record<string, unknown> },
  status: number,
  code?: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  if (code) assert.equal(res.body.code, code);
}

async function setup(t: T) {
  const bedrift = await t.json("POST", "/api/v1/bedrifter", {
    organisasjonsnummer: "923609016",
    navn: "Oslo Trafikkskole AS",
  });
  const mal = await t.json("POST", "/api/v1/kontroll-maler", {
    bedriftId: bedrift.body.id,
    navn: "Sikkerhetskontroll klasse B",
    sjekkpunkter,
  });
  assert.equal(mal.status, 201);
  const kontroll = await t.json("POST", "/api/v1/kontroller", {
    malId: mal.body.id,
    registreringsnummer: "el 12345",
    instructorId: "laerer-1",
    learnerId: "elev-1",
  });
  assert.equal(kontroll.status, 201);
  return { bedriftId: bedrift.body.id, mal: mal.body, kontroll: kontroll.body };
}

async function upload(
  t: T,
  kontrollId: string,
  bytes: Uint8Array,
  contentType: string,
  query = "pointId=bilde",
  headers: Record<string, string> = {},
) {
  const res = await t.app.request(
    `/api/v1/kontroller/${kontrollId}/photos?${query}`,
    {
      method: "POST",
      headers: { "content-type": contentType, ...headers },
      body: bytes as Uint8Array<ArrayBuffer>,
    },
  );
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? JSON.parse(text) : null,
  };
}

Deno.test("kontroll-maler: create (201), read, update bumps the revision, archive", async () => {
  const t = await domainApp();
  try {
    const { mal, bedriftId } = await setup(t);
    assert.equal(mal.revision, 1);
    assert.equal(mal.status, "AKTIV");
    assert.equal(mal.bedriftId, bedriftId);
    assert.equal(mal.sjekkpunkter[0].beskrivelse, "");
    const got = await t.json("GET", `/api/v1/kontroll-maler/${mal.id}`);
    assert.equal(got.headers.get("etag"), '"1"');
    assert.deepEqual(got.body, mal);
    const patched = await t.json("PATCH", `/api/v1/kontroll-maler/${mal.id}`, {
      navn: "Klasse B (2025)",
    }, { "If-Match": '"1"' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.revision, 2);
    problem(
      await t.json("PATCH", `/api/v1/kontroll-maler/${mal.id}`, {
        navn: "X",
      }, { "If-Match": '"1"' }),
      412,
    );
    const archived = await t.json(
      "POST",
      `/api/v1/kontroll-maler/${mal.id}/archive`,
    );
    assert.equal(archived.body.status, "ARKIVERT");
    problem(
      await t.json("POST", "/api/v1/kontroller", {
        malId: mal.id,
        registreringsnummer: "EL12345",
        instructorId: "laerer-1",
      }),
      409,
      "kontroll_mal.archived",
    );
  } finally {
    await t.close();
  }
});

Deno.test("kontroll-maler: refusals — unknown bedrift 422, bad points 422, unknown 404", async () => {
  const t = await domainApp();
  try {
    problem(
      await t.json("POST", "/api/v1/kontroll-maler", {
        bedriftId: "nope",
        navn: "X",
        sjekkpunkter,
      }),
      422,
      "kontroll_mal.unknown_bedrift",
    );
    problem(
      await t.json("POST", "/api/v1/kontroll-maler", {
        bedriftId: "nope",
        navn: "X",
        sjekkpunkter: [],
      }),
      422,
    );
    problem(await t.json("GET", "/api/v1/kontroll-maler/nope"), 404);
    problem(
      await t.json("PATCH", "/api/v1/kontroll-maler/nope", { navn: "Y" }),
      404,
      "kontroll_mal.not_found",
    );
  } finally {
    await t.close();
  }
});

Deno.test("kontroller: created from a template's snapshot; refusals on create", async () => {
  const t = await domainApp();
  try {
    const { kontroll, mal } = await setup(t);
    assert.equal(kontroll.status, "OPPRETTET");
    assert.equal(kontroll.registreringsnummer, "EL12345");
    assert.deepEqual(kontroll.mal, { id: mal.id, revision: 1, navn: mal.navn });
    assert.equal(kontroll.points.length, 3);
    const got = await t.json("GET", `/api/v1/kontroller/${kontroll.id}`);
    assert.deepEqual(got.body, kontroll);
    problem(
      await t.json("POST", "/api/v1/kontroller", {
        malId: "nope",
        registreringsnummer: "EL12345",
        instructorId: "l",
      }),
      422,
      "kontroll.unknown_mal",
    );
    problem(
      await t.json("POST", "/api/v1/kontroller", {
        malId: mal.id,
        registreringsnummer: "EL12345",
      }),
      422,
      "kontroll.instructor_required",
    );
    problem(
      await t.json("POST", "/api/v1/kontroller", {
        malId: mal.id,
        registreringsnummer: "E12",
        instructorId: "l",
      }),
      422,
    );
    problem(await t.json("GET", "/api/v1/kontroller/nope"), 404);
    problem(
      await t.json("POST", "/api/v1/kontroller/nope/points/lys", {
        value: true,
      }),
      404,
    );
  } finally {
    await t.close();
  }
});

/** A memory store that knows which ids it holds. */
class ListedFiles extends MemoryFileStore {
  ids = new Set<string>();
  override async put(
    ...args: Parameters<MemoryFileStore["put"]>
  ): ReturnType<MemoryFileStore["put"]> {
    const info = await super.put(...args);
    this.ids.add(info.id);
    return info;
  }
  override async delete(id: string): Promise<boolean> {
    this.ids.delete(id);
    return await super.delete(id);
  }
}

Deno.test("kontroller: points, a photo, and completion to IKKE_BESTATT with avvik", async () => {
  const files = new ListedFiles();
  const t = await domainApp({ files });
  try {
    const { kontroll } = await setup(t);
    const base = `/api/v1/kontroller/${kontroll.id}`;
    const lys = await t.json("POST", `${base}/points/lys`, {
      value: true,
      by: "ELEV",
    });
    assert.equal(lys.status, 200);
    assert.equal(lys.body.status, "UNDER_ARBEID");
    assert.deepEqual(lys.body.points[0].result.recordedBy, {
      role: "ELEV",
      userId: "elev-1",
    });
    problem(
      await t.json("POST", `${base}/points/dekk`, { value: 1.2, by: "ELEV" }),
      422,
      "kontroll.signoff_not_allowed",
    );
    problem(
      await t.json("POST", `${base}/points/nope`, { value: true }),
      422,
      "kontroll.unknown_sjekkpunkt",
    );
    problem(
      await t.json("POST", `${base}/points/lys`, { value: "ja" }),
      422,
      "kontroll.invalid_value",
    );
    const dekk = await t.json("POST", `${base}/points/dekk`, {
      value: 1.2,
      passed: false,
      comment: "Under 1,6 mm",
    });
    assert.equal(dekk.status, 200);

    const bytes = jpeg(2048);
    const photo = await upload(t, kontroll.id, bytes, "image/jpeg");
    assert.equal(photo.status, 201, JSON.stringify(photo.body));
    assert.equal(photo.body.photo.sha256, await sha256Hex(bytes));
    assert.equal(photo.body.photo.size, 2048);
    const fileId = photo.body.photo.id;
    assert.equal(
      photo.headers.get("location"),
      `${base}/photos/${fileId}`,
    );
    assert.equal(photo.body.points[2].photos[0].fileId, fileId);
    const got = await t.app.request(`${base}/photos/${fileId}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), "image/jpeg");
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), bytes);
    const bilde = await t.json("POST", `${base}/points/bilde`, {
      value: fileId,
    });
    assert.equal(bilde.status, 200);

    const done = await t.json("POST", `${base}/complete`);
    assert.equal(done.status, 200);
    assert.equal(done.body.status, "IKKE_BESTATT");
    assert.deepEqual(done.body.avvik, [{
      pointId: "dekk",
      tittel: "Mønsterdybde",
      reason: "NOT_PASSED",
      comment: "Under 1,6 mm",
    }]);
    problem(
      await t.json("POST", `${base}/complete`),
      409,
      "kontroll.completed_immutable",
    );
    problem(
      await upload(t, kontroll.id, jpeg(10), "image/jpeg"),
      409,
      "kontroll.completed_immutable",
    );
    // The refused upload left no file behind.
    assert.deepEqual([...files.ids], [fileId]);
  } finally {
    await t.close();
  }
});

Deno.test("photos: multipart upload, Idempotency-Key, type/size/signature checks, unknown photo 404", async () => {
  const t = await domainApp();
  try {
    const { kontroll } = await setup(t);
    const base = `/api/v1/kontroller/${kontroll.id}`;
    const form = new FormData();
    form.set("pointId", "bilde");
    form.set(
      "file",
      new File([png(500) as Uint8Array<ArrayBuffer>], "dekk.png", {
        type: "image/png",
      }),
    );
    const res = await t.app.request(`${base}/photos`, {
      method: "POST",
      body: form,
      headers: { "Idempotency-Key": "photo-1" },
    });
    assert.equal(res.status, 201);
    const first = await res.json();
    assert.equal(first.photo.contentType, "image/png");
    const form2 = new FormData();
    form2.set("pointId", "bilde");
    form2.set(
      "file",
      new File([png(500) as Uint8Array<ArrayBuffer>], "dekk.png", {
        type: "image/png",
      }),
    );
    const retry = await t.app.request(`${base}/photos`, {
      method: "POST",
      body: form2,
      headers: { "Idempotency-Key": "photo-1" },
    });
    assert.equal(retry.status, 201);
    const second = await retry.json();
    assert.equal(second.photo.id, first.photo.id);
    assert.equal(second.points[2].photos.length, 1);

    problem(
      await upload(t, kontroll.id, png(10), "image/gif"),
      422,
      "file.unsupported_type",
    );
    problem(
      await upload(t, kontroll.id, png(10), "image/jpeg"),
      422,
      "file.content_mismatch",
    );
    problem(
      await upload(t, kontroll.id, new Uint8Array(), "image/png"),
      422,
      "file.empty",
    );
    problem(await upload(t, kontroll.id, png(10), "image/png", ""), 422);
    problem(
      await upload(t, kontroll.id, png(10), "image/png", "pointId=nope"),
      422,
      "kontroll.unknown_sjekkpunkt",
    );
    const big = png(20 * 1024 * 1024 + 1);
    problem(
      await upload(t, kontroll.id, big, "image/png"),
      422,
      "file.too_large",
    );
    const huge = png(21 * 1024 * 1024);
    problem(await upload(t, kontroll.id, huge, "image/png"), 413);
    // Over 1 MiB is fine for photos (the JSON routes keep their 1 MiB limit).
    const large = await upload(
      t,
      kontroll.id,
      png(2 * 1024 * 1024),
      "image/png",
    );
    assert.equal(large.status, 201);
    problem(
      await t.json("GET", `${base}/photos/not-attached`),
      404,
    );
  } finally {
    await t.close();
  }
});
