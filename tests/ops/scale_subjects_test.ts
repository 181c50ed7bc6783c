/**
 * `deno task scale:subjects` end to end on a small size against the
 * nats-server it starts itself, and its pure parts. No figure is judged:
 * only that each was measured and is consistent with the others.
 */
import assert from "node:assert/strict";
import {
  aggregateId,
  diskUsage,
  scaleTable,
  sizesUpTo,
} from "../../ops/scale_subjects.ts";
import type { ScaleResult } from "../../ops/scale_subjects.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("sizes are the powers of ten from 1,000 below the total, then the total", () => {
  assert.deepEqual(sizesUpTo(1_000_000), [1000, 10_000, 100_000, 1_000_000]);
  assert.deepEqual(sizesUpTo(2000), [1000, 2000]);
  assert.deepEqual(sizesUpTo(500), [500]);
  assert.deepEqual(sizesUpTo(1000), [1000]);
});

Deno.test("aggregate ids are distinct, UUID-shaped subject tokens", () => {
  const ids = [0, 1, 255, 1_000_000].map(aggregateId);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) {
    assert.match(
      id,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  }
});

Deno.test("disk usage counts the blocks of every file below a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeFile(`${dir}/sub/a`, new Uint8Array(10_000).fill(1));
    assert.ok(await diskUsage(dir) >= 10_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scale:subjects measures every size against its own nats-server", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "--quiet",
      "scale:subjects",
      "--subjects",
      "2000",
      "--probe",
      "50",
      "--in-flight",
      "64",
      "--json",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  const result = JSON.parse(
    new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!,
  ) as ScaleResult;
  assert.deepEqual(result.rows.map((r) => r.subjects), [1000, 2000]);
  for (const row of result.rows) {
    // Each size's new-subject probes add subjects of their own.
    assert.ok(row.streamSubjects >= row.subjects, JSON.stringify(row));
    assert.ok(row.rssBytes > 0 && row.hwmBytes >= row.rssBytes);
    assert.ok(row.storeBytes > 0 && row.fillRate > 0);
    assert.ok(row.lastTenth.rate > 0 && row.lastTenth.serverCpuUs >= 0);
    for (const p of [row.appendNew, row.appendExisting, row.getLast]) {
      assert.ok(p.p50 > 0 && p.p99 >= p.p50, JSON.stringify(p));
    }
  }
  assert.ok(result.rows[1].storeBytes >= result.rows[0].storeBytes);
  // The probes of the last size add their new subjects after it.
  assert.equal(result.restart.subjects, 2000 + 50);
  assert.ok(result.restart.rssBytes > 0);
  assert.match(result.server, /^\d+\.\d+\.\d+/);
  const table = scaleTable(result);
  assert.match(table, /^\| 1,000 \|/m);
  assert.match(table, /^\| 2,000 \|/m);
  assert.match(table, /Restart with 2,050 subjects/);
});
