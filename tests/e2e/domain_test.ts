import { authHeaders } from "../../ops/server_process.ts";
import assert from "node:assert/strict";
import { startServer } from "../../ops/server_process.ts";
import { callJson, jpegPhoto } from "../support/http.ts";

Deno.test({
  name:
    "e2e: invoice paid in two parts, a failed kontroll with a photo, a recorded shift",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tms-e2e-domain-" });
    const server = await startServer({ TMS_DATA_DIR: dataDir });
    const api = (
      method: string,
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => callJson(server.url, method, `/api/v1${path}`, body, headers);
    try {
      // A bedrift that can invoice.
      const bedrift = await api("POST", "/bedrifter", {
        organisasjonsnummer: "923609016",
        navn: "Oslo Trafikkskole AS",
        postnummer: "0150",
        poststed: "Oslo",
      });
      assert.equal(bedrift.status, 201);
      const b = bedrift.body.id;
      const settings = await api("PUT", `/bedrifter/${b}/invoice-settings`, {
        kontonummer: "86011117947",
        fakturaPrefix: "2025-",
        fakturaStartNummer: 1001,
        mvaRegistrert: true,
        kidAlgoritme: "MOD11",
      });
      assert.equal(settings.status, 200);

      // Draft, send, pay in two parts.
      const draft = await api("POST", "/invoices", {
        bedriftId: b,
        kunde: { navn: "Kari Nordmann", kundenummer: "42" },
      });
      assert.equal(draft.status, 201);
      const inv = draft.body.id;
      const line = await api("POST", `/invoices/${inv}/lines`, {
        beskrivelse: "Kjøretime 45 min",
        antall: 3,
        enhetspris: "780.00",
        mvaSats: 25,
      });
      assert.equal(line.body.totals.brutto, "2925.00");
      const sent = await api("POST", `/invoices/${inv}/send`);
      assert.equal(sent.status, 200);
      assert.equal(sent.body.status, "SENDT");
      assert.equal(sent.body.fakturanummer, "2025-1001");
      assert.match(sent.body.kid, /^42\d{8,9}$/);
      const part = await api("POST", `/invoices/${inv}/payments`, {
        amount: "1000.00",
      }, { "Idempotency-Key": "bank-1" });
      assert.equal(part.body.status, "DELVIS_BETALT");
      const retried = await api("POST", `/invoices/${inv}/payments`, {
        amount: "1000.00",
      }, { "Idempotency-Key": "bank-1" });
      assert.equal(retried.body.utestaende, "1925.00");
      const rest = await api("POST", `/invoices/${inv}/payments`, {
        amount: "1925.00",
      });
      assert.equal(rest.status, 200);
      assert.equal(rest.body.status, "BETALT");
      assert.equal(rest.body.utestaende, "0.00");

      // A kontroll that fails, with a photo of the deviation.
      const mal = await api("POST", "/kontroll-maler", {
        bedriftId: b,
        navn: "Sikkerhetskontroll klasse B",
        sjekkpunkter: [
          {
            id: "lys",
            tittel: "Lys",
            kind: "VISUELL",
            answerType: "CHECKBOX",
            licenceClass: "B",
          },
          {
            id: "dekk",
            tittel: "Dekk",
            kind: "FYSISK",
            answerType: "PHOTO",
            licenceClass: "B",
          },
        ],
      });
      assert.equal(mal.status, 201);
      const kontroll = await api("POST", "/kontroller", {
        malId: mal.body.id,
        registreringsnummer: "EL12345",
        instructorId: "laerer-1",
      });
      assert.equal(kontroll.status, 201);
      const k = kontroll.body.id;
      await api("POST", `/kontroller/${k}/points/lys`, { value: true });
      const upload = await fetch(
        `${server.url}/api/v1/kontroller/${k}/photos?pointId=dekk`,
        {
          method: "POST",
          headers: { ...authHeaders(server.url), "content-type": "image/jpeg" },
          body: jpegPhoto(4096),
        },
      );
      assert.equal(upload.status, 201);
      const fileId = (await upload.json()).photo.id;
      const failed = await api("POST", `/kontroller/${k}/points/dekk`, {
        value: fileId,
        passed: false,
        comment: "Slitte dekk",
      });
      assert.equal(failed.status, 200);
      const done = await api("POST", `/kontroller/${k}/complete`);
      assert.equal(done.body.status, "IKKE_BESTATT");
      assert.deepEqual(
        done.body.avvik.map((a: { pointId: string }) => a.pointId),
        [
          "dekk",
        ],
      );
      const image = await fetch(
        `${server.url}/api/v1/kontroller/${k}/photos/${fileId}`,
        {
          headers: authHeaders(
            `${server.url}/api/v1/kontroller/${k}/photos/${fileId}`,
          ),
        },
      );
      assert.equal(image.headers.get("content-type"), "image/jpeg");
      assert.deepEqual(
        new Uint8Array(await image.arrayBuffer()),
        jpegPhoto(4096),
      );

      // An employee with a recorded shift.
      const hired = await api("POST", "/employees", {
        bedriftId: b,
        ansattnummer: "1001",
        fornavn: "Ola",
        etternavn: "Nordmann",
        epost: "ola@example.no",
        role: "TRAFIKKLARER",
        licenceClasses: ["B"],
        stillingsprosent: 100,
        startDate: "2025-01-06",
        fodselsnummer: "01010012356",
      });
      assert.equal(hired.status, 201);
      assert.equal(hired.body.fodselsnummer, "010100*****");
      const e = hired.body.id;
      const start = new Date(Date.now() - 8 * 3_600_000).toISOString();
      const inShift = await api("POST", `/employees/${e}/clock-in`, {
        at: start,
      });
      assert.equal(inShift.body.openShift.clockedInAt, start);
      const out = await api("POST", `/employees/${e}/clock-out`);
      assert.equal(out.status, 200);
      assert.equal(out.body.openShift, null);
      assert.ok(out.body.lastClockedOutAt > start);

      // The photo is on disk under TMS_DATA_DIR/files; the keys in keys.kv.
      const files = [...Deno.readDirSync(`${dataDir}/files`)];
      assert.equal(files.length, 1);
      assert.ok(Deno.statSync(`${dataDir}/keys.kv`).isFile);
    } finally {
      await server.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
