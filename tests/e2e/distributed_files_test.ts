import { authHeaders } from "../../ops/server_process.ts";
import assert from "node:assert/strict";
import { startServer } from "../../ops/server_process.ts";
import { callJson, jpegPhoto } from "../support/http.ts";
import { JetStreamNames } from "../../runtime/core/mod.ts";
import { ObjectFileStore } from "../../runtime/storage/mod.ts";
import { jetstream, kvm, natsConnect } from "../../deps.ts";
import { NatsServer } from "../support/mod.ts";

Deno.test({
  name:
    "e2e distributed: photos go to the tms_files object store, personal-data keys to tms_keys, a sent invoice renders as PDF",
  async fn() {
    const nats = await NatsServer.start();
    const dataDir = await Deno.makeTempDir({ prefix: "tms-e2e-dist-" });
    try {
      const server = await startServer({
        TMS_DATA_DIR: dataDir,
        TMS_NATS_URL: nats.url,
      });
      const api = (method: string, path: string, body?: unknown) =>
        callJson(server.url, method, `/api/v1${path}`, body);
      try {
        const bedrift = await api("POST", "/bedrifter", {
          organisasjonsnummer: "923609016",
          navn: "Bergen Trafikkskole AS",
          postnummer: "5003",
          poststed: "Bergen",
        });
        assert.equal(bedrift.status, 201);
        const b = bedrift.body.id;
        const mal = await api("POST", "/kontroll-maler", {
          bedriftId: b,
          navn: "Sikkerhetskontroll klasse B",
          sjekkpunkter: [{
            id: "dekk",
            tittel: "Dekk",
            kind: "FYSISK",
            answerType: "PHOTO",
            licenceClass: "B",
          }],
        });
        assert.equal(mal.status, 201);
        const kontroll = await api("POST", "/kontroller", {
          malId: mal.body.id,
          registreringsnummer: "EL12345",
          instructorId: "laerer-1",
        });
        assert.equal(kontroll.status, 201);
        const k = kontroll.body.id;
        const upload = await fetch(
          `${server.url}/api/v1/kontroller/${k}/photos?pointId=dekk`,
          {
            method: "POST",
            headers: {
              ...authHeaders(server.url),
              "content-type": "image/jpeg",
            },
            body: jpegPhoto(400_000),
          },
        );
        assert.equal(upload.status, 201);
        const fileId = (await upload.json()).photo.id;
        const image = await fetch(
          `${server.url}/api/v1/kontroller/${k}/photos/${fileId}`,
          {
            headers: authHeaders(
              `${server.url}/api/v1/kontroller/${k}/photos/${fileId}`,
            ),
          },
        );
        assert.equal(image.status, 200);
        assert.deepEqual(
          new Uint8Array(await image.arrayBuffer()),
          jpegPhoto(400_000),
        );

        // The bytes are in JetStream, not under TMS_DATA_DIR.
        const files = await ObjectFileStore.connect({ servers: nats.url });
        try {
          const info = await files.stat(fileId);
          assert.equal(info?.size, jpegPhoto(400_000).byteLength);
          assert.equal(info?.contentType, "image/jpeg");
        } finally {
          await files.close();
        }
        await assert.rejects(
          Deno.stat(`${dataDir}/files`),
          Deno.errors.NotFound,
        );

        // The fødselsnummer's key is in the shared bucket, so every node
        // encrypts with it and shredding reaches all; nothing on local disk.
        const hired = await api("POST", "/employees", {
          bedriftId: b,
          ansattnummer: "1001",
          fornavn: "Kari",
          etternavn: "Nordmann",
          epost: "kari@example.no",
          role: "TRAFIKKLARER",
          licenceClasses: ["B"],
          stillingsprosent: 100,
          startDate: "2025-01-06",
          fodselsnummer: "01010012356",
        });
        assert.equal(hired.status, 201, JSON.stringify(hired.body));
        assert.equal(hired.body.fodselsnummer, "010100*****");
        const nc = await natsConnect({ servers: nats.url });
        try {
          const kv = await kvm(jetstream(nc)).open(JetStreamNames.keys);
          const entry = await kv.get(hired.body.id);
          assert.equal(entry?.operation, "PUT");
          assert.ok(
            entry.json<{ keyId: string }>().keyId.startsWith(
              `${hired.body.id}:`,
            ),
          );
        } finally {
          await nc.close();
        }
        await assert.rejects(
          Deno.stat(`${dataDir}/keys.kv`),
          Deno.errors.NotFound,
        );

        // A sent invoice over a real socket as application/pdf.
        const settings = await api("PUT", `/bedrifter/${b}/invoice-settings`, {
          kontonummer: "86011117947",
          fakturaPrefix: "B-",
          mvaRegistrert: true,
        });
        assert.equal(settings.status, 200);
        const draft = await api("POST", "/invoices", {
          bedriftId: b,
          kunde: { navn: "Per Hansen" },
        });
        const inv = draft.body.id;
        await api("POST", `/invoices/${inv}/lines`, {
          beskrivelse: "Kjøretime",
          antall: 1,
          enhetspris: "780.00",
          mvaSats: 25,
        });
        assert.equal((await api("POST", `/invoices/${inv}/send`)).status, 200);
        const pdf = await fetch(`${server.url}/api/v1/invoices/${inv}/pdf`, {
          headers: authHeaders(`${server.url}/api/v1/invoices/${inv}/pdf`),
        });
        assert.equal(pdf.status, 200);
        assert.equal(pdf.headers.get("content-type"), "application/pdf");
        const bytes = new Uint8Array(await pdf.arrayBuffer());
        assert.equal(
          new TextDecoder().decode(bytes.subarray(0, 8)),
          "%PDF-1.4",
        );
      } finally {
        await server.stop();
      }
    } finally {
      await nats.dispose();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
