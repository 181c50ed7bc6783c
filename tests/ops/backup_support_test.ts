import assert from "node:assert/strict";
import {
  applyRetention,
  archiveName,
  archiveTime,
  newestArchive,
  progressPrinter,
} from "../../ops/backup_support.ts";

Deno.test("archive names carry their UTC time (and position) and read back", () => {
  const at = new Date("2026-12-01T03:04:05.678Z");
  assert.equal(
    archiveName("data", at, 42),
    "tms-data-20261201T030405Z-p42.tar.gz",
  );
  assert.equal(archiveName("keys", at), "tms-keys-20261201T030405Z.tar.gz");
  assert.equal(
    archiveTime("tms-data-20261201T030405Z-p42.tar.gz")?.toISOString(),
    "2026-12-01T03:04:05.000Z",
  );
  assert.equal(archiveTime("tms-data-x.tar.gz"), null);
  assert.equal(archiveTime(".tms-data-20261201T030405Z.tar.gz.partial"), null);
});

Deno.test("retention deletes only archives older than the days kept; newestArchive finds the newest data archive", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-retention-" });
  try {
    const now = new Date("2026-12-01T12:00:00Z");
    const day = 86_400_000;
    const names = {
      old: archiveName("data", new Date(now.getTime() - 31 * day), 1),
      oldKeys: archiveName("keys", new Date(now.getTime() - 45 * day)),
      edge: archiveName("data", new Date(now.getTime() - 30 * day + 1000), 2),
      young: archiveName("data", new Date(now.getTime() - 1 * day), 3),
      youngKeys: archiveName("keys", new Date(now.getTime() - 2 * day)),
    };
    for (
      const name of [...Object.values(names), "README", "tms-data-copy.tar.gz"]
    ) {
      await Deno.writeTextFile(`${dir}/${name}`, "x");
    }
    await Deno.mkdir(`${dir}/${archiveName("data", new Date(0), 0)}`);
    const deleted = await applyRetention(dir, 30, now);
    assert.deepEqual(deleted, [names.old, names.oldKeys].sort());
    const left = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .sort();
    assert.deepEqual(
      left,
      [
        names.edge,
        names.young,
        names.youngKeys,
        "README",
        "tms-data-copy.tar.gz",
        archiveName("data", new Date(0), 0),
      ].sort(),
    );
    assert.equal((await newestArchive(dir))?.name, names.young);
    assert.equal(await newestArchive(`${dir}/none`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("progress: one rewritten line on a terminal (count, rate, ETA), plain lines otherwise", () => {
  let out = "";
  const tty = progressPrinter("backup", true, (t) => out += t);
  tty.report({
    phase: "commits",
    done: 500,
    total: 1000,
    perSecond: 250,
    etaMs: 2000,
  });
  tty.done();
  assert.equal(out, "\r\x1b[2Kbackup [commits] 500/1,000, 250/s, ETA 2s\n");
  out = "";
  const plain = progressPrinter("restore", false, (t) => out += t);
  plain.report({
    phase: "write",
    done: 1,
    total: null,
    perSecond: 1,
    etaMs: null,
  });
  plain.report({
    phase: "write",
    done: 2,
    total: null,
    perSecond: 1,
    etaMs: null,
  });
  assert.equal(out, "restore [write] 1, 1/s\n");
});
