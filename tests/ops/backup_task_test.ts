/**
 * `deno task backup`, `restore` and `backup:verify` against real nodes:
 * backup → wipe → restore gives identical state hashes and identical GET
 * responses for a populated system, embedded and distributed; a backup taken
 * under write load restores exactly the feed up to its position; a damaged
 * archive is refused and writes nothing; a non-empty target is refused;
 * `--keep-days` deletes only the archives older than that.
 */
import assert from "node:assert/strict";
import { startServer } from "../../ops/server_process.ts";
import type { ServerProcess } from "../../ops/server_process.ts";
import { organisasjonsnummerFor } from "../../ops/orgnr.ts";
import { archiveName } from "../../ops/backup_support.ts";
import { domainHasher } from "../../ops/backup_support.ts";
import { canonicalJson, verifyBackup } from "../../runtime/backup/mod.ts";
import type { BackupManifest } from "../../runtime/backup/mod.ts";
import { KvFeedReader } from "../../runtime/log/kv/archive.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";
import { callJson, jpegPhoto } from "../support/http.ts";
import { NatsServer } from "../support/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function task(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", name, ...args],
    cwd: ROOT,
    env: { DATABASE_URL: "", TMS_NATS_URL: "", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

async function ok(name: string, args: string[], env: Record<string, string>) {
  const run = await task(name, args, env);
  assert.equal(run.code, 0, `${name} ${args.join(" ")}: ${run.stderr}`);
  return run;
}

async function only(dir: string, prefix: string): Promise<string> {
  const names = (await Array.fromAsync(Deno.readDir(dir)))
    .map((e) => e.name).filter((n) => n.startsWith(prefix));
  assert.equal(names.length, 1, `${dir}: ${names}`);
  return `${dir}/${names[0]}`;
}

async function manifestOf(path: string): Promise<BackupManifest> {
  const file = await Deno.open(path);
  return (await verifyBackup(file.readable, domainHasher())).manifest;
}

/** A populated system: bedrift with settings, a sent and part-paid invoice, a kontroll with a photo, an employee with an encrypted fødselsnummer. */
async function populate(
  server: ServerProcess,
): Promise<{ paths: string[]; position: number }> {
  let position = 0;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await callJson(server.url, method, `/api/v1${path}`, body);
    assert.ok(
      res.status < 300,
      `${method} ${path}: ${JSON.stringify(res.body)}`,
    );
    return res.body;
  };
  const track = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    assert.ok(res.status < 300, `${method} ${path}: ${JSON.stringify(json)}`);
    position = Math.max(
      position,
      Number(res.headers.get(HttpHeaders.position)),
    );
    return json;
  };
  const bedrifter: string[] = [];
  for (let seed = 1; bedrifter.length < 3; seed++) {
    const orgnr = organisasjonsnummerFor(seed * 13);
    if (!orgnr) continue;
    const b = await track("POST", "/bedrifter", {
      organisasjonsnummer: orgnr,
      navn: `Skole ${bedrifter.length} AS`,
      poststed: "Oslo",
    });
    bedrifter.push(b.id);
  }
  const b = bedrifter[0];
  await track("PUT", `/bedrifter/${b}/invoice-settings`, {
    kontonummer: "86011117947",
    fakturaPrefix: "F-",
    fakturaStartNummer: 1001,
    forfallsdager: 14,
    purregebyr: "70.00",
    mvaRegistrert: true,
    kidAlgoritme: "MOD10",
  });
  const invoice = await track("POST", "/invoices", {
    bedriftId: b,
    kunde: { navn: "Kari Nordmann" },
  });
  for (let i = 0; i < 5; i++) {
    await track("POST", `/invoices/${invoice.id}/lines`, {
      beskrivelse: `Kjøretime ${i}`,
      antall: 1,
      enhetspris: "780.00",
      mvaSats: 25,
    });
  }
  await track("POST", `/invoices/${invoice.id}/send`);
  await track("POST", `/invoices/${invoice.id}/payments`, {
    amount: "1000.00",
  });
  const mal = await track("POST", "/kontroll-maler", {
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
  const kontroll = await track("POST", "/kontroller", {
    malId: mal.id,
    registreringsnummer: "EL12345",
    instructorId: "laerer-1",
  });
  const upload = await fetch(
    `${server.url}/api/v1/kontroller/${kontroll.id}/photos?pointId=dekk`,
    {
      method: "POST",
      headers: { "content-type": "image/jpeg" },
      body: jpegPhoto(50_000),
    },
  );
  assert.equal(upload.status, 201);
  const photo = (await upload.json()).photo.id;
  const employee = await track("POST", "/employees", {
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
  assert.equal(employee.fodselsnummer, "010100*****");
  await track("POST", `/employees/${employee.id}/clock-in`, {
    at: "2025-03-03T07:30:00+01:00",
  });
  await api("GET", `/bedrifter/${b}`);
  return {
    position,
    paths: [
      ...bedrifter.map((id) => `/api/v1/bedrifter/${id}`),
      `/api/v1/invoices/${invoice.id}`,
      `/api/v1/invoices/${invoice.id}/pdf`,
      `/api/v1/kontroller/${kontroll.id}`,
      `/api/v1/kontroller/${kontroll.id}/photos/${photo}`,
      `/api/v1/employees/${employee.id}`,
      `/api/v1/kontroll-maler/${mal.id}`,
      "/api/v1/bedrifter?limit=50",
      `/api/v1/invoices?bedriftId=${b}`,
      `/api/v1/employees?bedriftId=${b}`,
      `/api/v1/kontroller?bedriftId=${b}`,
    ],
  };
}

/** Every answer in full: status, the headers a client relies on, the bytes. */
async function responses(
  server: ServerProcess,
  paths: string[],
  position: number,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const res = await fetch(`${server.url}${path}`, {
      headers: { [HttpHeaders.minPosition]: String(position) },
    });
    const body = new Uint8Array(await res.arrayBuffer());
    out[path] = {
      status: res.status,
      type: res.headers.get("content-type"),
      etag: res.headers.get(HttpHeaders.etag),
      position: res.headers.get(HttpHeaders.position),
      body: new TextDecoder().decode(body),
    };
    assert.equal(res.status, 200, `${path}: ${out[path]}`);
  }
  return out;
}

// A login is a write (user.logged_in, a session): the nodes whose answers are
// compared run without authentication, so the restored node answers from
// exactly the restored history.
const NO_AUTH = { TMS_AUTH: "off", TMS_SNAPSHOT_EVERY: "3" };

Deno.test({
  name:
    "backup/restore, embedded: a live backup, wipe, restore (data, then keys) → identical state hashes and GET responses; damage and a non-empty target are refused; --keep-days",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "tms-backup-" });
    const original = `${root}/original`;
    const restored = `${root}/restored`;
    const backups = `${root}/backups`;
    const keys = `${root}/keys`;
    await Deno.mkdir(backups);
    // Left over in the backup directory: two old archives, a young one, other files.
    const now = Date.now();
    const old = archiveName("data", new Date(now - 40 * 86_400_000), 7);
    const oldKeys = archiveName("keys", new Date(now - 31 * 86_400_000));
    const young = archiveName("data", new Date(now - 29 * 86_400_000), 9);
    for (
      const name of [old, oldKeys, young, "notes.txt", "tms-data-x.tar.gz"]
    ) {
      await Deno.writeTextFile(`${backups}/${name}`, "x");
    }
    let server: ServerProcess | undefined;
    try {
      server = await startServer({ TMS_DATA_DIR: original, ...NO_AUTH });
      const { paths, position } = await populate(server);
      const before = await responses(server, paths, position);

      // Taken while the node runs.
      const env = { TMS_DATA_DIR: original };
      const backup = await ok(
        "backup",
        ["--out", backups, "--keep-days", "30"],
        env,
      );
      assert.match(backup.stdout, /Backed up \d+ commits .* at position \d+/);
      assert.match(backup.stdout, new RegExp(`Deleted ${old}`));
      assert.match(backup.stdout, new RegExp(`Deleted ${oldKeys}`));
      const remaining = (await Array.fromAsync(Deno.readDir(backups))).map((
        e,
      ) => e.name).sort();
      assert.ok(
        remaining.includes(young) && remaining.includes("notes.txt") &&
          remaining.includes("tms-data-x.tar.gz"),
      );
      assert.ok(!remaining.includes(old) && !remaining.includes(oldKeys));
      const archive = /to (\S+) in /.exec(backup.stdout)![1];
      assert.ok(archive.startsWith(`${backups}/tms-data-`));
      assert.notEqual(archive, `${backups}/${young}`);
      await ok("backup", ["--keys", "--out", `${keys}/`], env);
      const keysArchive = await only(keys, "tms-keys-");
      await server.stop();
      server = undefined;

      const manifest = await manifestOf(archive);
      assert.ok(manifest.position >= position);
      assert.ok(manifest.counts.snapshots > 0, "snapshots every 3 commits");
      assert.equal(manifest.counts.files, 1);
      assert.equal(manifest.counts.keys, 0);
      // No personal-data key in the data archive; the keys export has them.
      const listing = await new Deno.Command("tar", { args: ["tzf", archive] })
        .output();
      const entries = new TextDecoder().decode(listing.stdout).trim().split(
        "\n",
      );
      assert.ok(
        entries.every((e) => !e.startsWith("keys/")),
        entries.join(","),
      );
      assert.ok((await manifestOf(keysArchive)).counts.keys >= 1);

      const verify = await ok("backup:verify", [archive], {});
      assert.match(verify.stdout, /^OK: data backup \(embedded\)/);

      // Damaged copies are refused, and nothing is written.
      const bytes = await Deno.readFile(archive);
      const cut = `${root}/cut.tar.gz`;
      await Deno.writeFile(cut, bytes.slice(0, Math.floor(bytes.length * 0.6)));
      const cutVerify = await task("backup:verify", [cut], {});
      assert.equal(cutVerify.code, 1);
      assert.match(cutVerify.stderr, /truncated|corrupt/);
      const flipped = `${root}/flipped.tar.gz`;
      const damaged = bytes.slice();
      damaged[Math.floor(bytes.length / 2)] ^= 0x55;
      await Deno.writeFile(flipped, damaged);
      for (const path of [cut, flipped]) {
        const run = await task("restore", [path], {
          TMS_DATA_DIR: `${root}/never`,
        });
        assert.equal(run.code, 1, run.stderr);
        assert.match(
          run.stderr,
          /^restore failed: .*(truncated|corrupt|SHA-256)/m,
        );
        const written = await Array.fromAsync(Deno.readDir(`${root}/never`))
          .catch(() => []);
        assert.deepEqual(written, []);
      }

      // Wipe: a fresh data directory. Data first, then the keys.
      const restoreRun = await ok("restore", [archive], {
        TMS_DATA_DIR: restored,
      });
      assert.match(restoreRun.stdout, /every state hash verified/);
      await ok("restore", [keysArchive], { TMS_DATA_DIR: restored });
      // Restoring again into what is now not empty is refused.
      const again = await task("restore", [archive], {
        TMS_DATA_DIR: restored,
      });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /not empty/);
      const keysAgain = await task("restore", [keysArchive], {
        TMS_DATA_DIR: restored,
      });
      assert.equal(keysAgain.code, 1);
      assert.match(keysAgain.stderr, /holds keys/);

      server = await startServer({ TMS_DATA_DIR: restored, ...NO_AUTH });
      const after = await responses(server, paths, position);
      assert.deepEqual(after, before);
      // The restored store's own backup has the same state hash per stream.
      const second = `${root}/second.tar.gz`;
      await ok("backup", ["--out", second], { TMS_DATA_DIR: restored });
      const again2 = await manifestOf(second);
      assert.equal(again2.position, manifest.position);
      assert.deepEqual(again2.streams, manifest.streams);
    } finally {
      await server?.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "backup/restore, distributed: a live backup of JetStream, a fresh nats-server, restore → identical state hashes and GET responses",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "tms-backup-dist-" });
    const first = await NatsServer.start();
    let second: NatsServer | undefined;
    let server: ServerProcess | undefined;
    try {
      server = await startServer({
        TMS_DATA_DIR: `${root}/node-a`,
        TMS_NATS_URL: first.url,
        ...NO_AUTH,
      });
      const { paths, position } = await populate(server);
      const before = await responses(server, paths, position);
      const archive = `${root}/data.tar.gz`;
      const keys = `${root}/keys.tar.gz`;
      await ok("backup", ["--out", archive], { TMS_NATS_URL: first.url });
      await ok("backup", ["--keys", "--out", keys], {
        TMS_NATS_URL: first.url,
      });
      await server.stop();
      server = undefined;
      const manifest = await manifestOf(archive);
      assert.equal(manifest.mode, "distributed");
      assert.ok(manifest.counts.snapshots > 0);
      assert.equal(manifest.counts.files, 1);

      second = await NatsServer.start();
      await ok("restore", [archive], { TMS_NATS_URL: second.url });
      await ok("restore", [keys], { TMS_NATS_URL: second.url });
      const again = await task("restore", [archive], {
        TMS_NATS_URL: second.url,
      });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /TMS_EVENTS holds \d+ messages/);

      server = await startServer({
        TMS_DATA_DIR: `${root}/node-b`,
        TMS_NATS_URL: second.url,
        ...NO_AUTH,
      });
      assert.deepEqual(await responses(server, paths, position), before);
      const copy = `${root}/again.tar.gz`;
      await ok("backup", ["--out", copy], { TMS_NATS_URL: second.url });
      const restored = await manifestOf(copy);
      assert.equal(restored.position, manifest.position);
      assert.deepEqual(restored.streams, manifest.streams);
    } finally {
      await server?.stop();
      await first.dispose();
      await second?.dispose();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "backup under write load: consistent at its position — the restored feed is the original's up to it, commit for commit",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "tms-backup-load-" });
    let server: ServerProcess | undefined;
    try {
      server = await startServer({ TMS_DATA_DIR: `${root}/live` });
      const url = server.url;
      let stop = false;
      let written = 0;
      const ids: string[] = [];
      // Four writers: new bedrifter and updates of them, until told to stop.
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const orgnr = organisasjonsnummerFor(50_000 + w * 100_000 + i);
          if (!orgnr) continue;
          const res = await callJson(url, "POST", "/api/v1/bedrifter", {
            organisasjonsnummer: orgnr,
            navn: `Last ${w}-${i}`,
          });
          if (res.status === 201) {
            written++;
            ids.push(res.body.id);
            const update = await callJson(
              url,
              "PATCH",
              `/api/v1/bedrifter/${res.body.id}`,
              { poststed: "Bergen" },
            );
            if (update.status === 200) written++;
          }
        }
      });
      while (written < 40) await new Promise((r) => setTimeout(r, 50));
      const archive = `${root}/load.tar.gz`;
      const backup = await ok("backup", ["--out", archive], {
        TMS_DATA_DIR: `${root}/live`,
      });
      const keys = `${root}/keys.tar.gz`;
      await ok("backup", ["--keys", "--out", keys], {
        TMS_DATA_DIR: `${root}/live`,
      });
      const during = written;
      while (written < during + 40) await new Promise((r) => setTimeout(r, 50));
      stop = true;
      await Promise.all(writers);
      await server.stop();
      server = undefined;

      const manifest = await manifestOf(archive);
      const reader = await KvFeedReader.open(`${root}/live/events.kv`);
      const head = await reader.headPosition();
      // Writes went on during and after the backup.
      assert.ok(
        head > manifest.position + 40,
        `${head} vs ${manifest.position}: ${backup.stdout}`,
      );
      const originalFeed = await reader.readFeed(0, manifest.position);
      reader.close();

      await ok("restore", [archive], { TMS_DATA_DIR: `${root}/restored` });
      // The blind index of e-mail addresses (logins) needs its key.
      await ok("restore", [keys], { TMS_DATA_DIR: `${root}/restored` });
      const restoredReader = await KvFeedReader.open(
        `${root}/restored/events.kv`,
      );
      assert.equal(await restoredReader.headPosition(), manifest.position);
      const restoredFeed = await restoredReader.readFeed(0, head);
      restoredReader.close();
      assert.equal(restoredFeed.length, manifest.position);
      assert.equal(canonicalJson(restoredFeed), canonicalJson(originalFeed));

      // The restored node serves what was written up to the position.
      server = await startServer({ TMS_DATA_DIR: `${root}/restored` });
      const early = originalFeed.find((c) => c.type === "bedrift")!;
      const got = await callJson(
        server.url,
        "GET",
        `/api/v1/bedrifter/${early.id}`,
      );
      assert.equal(got.status, 200);
    } finally {
      await server?.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
