/**
 * The integration relay's checkpoint is part of a backup, embedded and
 * distributed: written with the commits, clamped to the backup's position,
 * and restored with them.
 */
import assert from "node:assert/strict";
import { natsConnect } from "../../../deps.ts";
import {
  distributedSource,
  distributedTarget,
  embeddedSource,
  embeddedTarget,
  restoreBackup,
  StateHasher,
  writeBackup,
} from "../../../runtime/backup/mod.ts";
import type {
  BackupSource,
  ClosableTarget,
} from "../../../runtime/backup/mod.ts";
import type {
  Decider,
  DomainEvent,
  EventLog,
} from "../../../runtime/core/mod.ts";
import {
  JetStreamEventLog,
  JetStreamFeedCheckpoints,
} from "../../../runtime/log/jetstream/mod.ts";
import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import { NatsServer } from "../../support/mod.ts";

type Added = DomainEvent<"added", { n: number }>;
const counter: Decider<unknown, Added, number> = {
  initialState: 0,
  decide: () => [],
  evolve: (s, e) => s + e.data.n,
};
const hasher = () => new StateHasher([{ type: "counter", decider: counter }]);

async function fill(log: EventLog, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await log.append({
      type: "counter",
      id: "c1",
      expectedVersion: i - 1,
      commandId: `cmd-${i}`,
      events: [{ type: "added", v: 1, data: { n: i } }],
    });
  }
}

async function roundTrip(
  source: BackupSource & { close(): Promise<void> },
  target: ClosableTarget,
): Promise<Record<string, number>> {
  const chunks: Uint8Array[] = [];
  let manifest;
  try {
    manifest = await writeBackup(
      source,
      new WritableStream({ write: (c) => void chunks.push(c) }),
      { hasher: hasher() },
    );
  } finally {
    await source.close();
  }
  const bytes = new Blob(chunks as BlobPart[]);
  try {
    await restoreBackup(
      () => Promise.resolve(bytes.stream() as ReadableStream<Uint8Array>),
      target,
      { hasher: hasher() },
    );
  } finally {
    await target.close();
  }
  return manifest.checkpoints;
}

Deno.test("backup (embedded): the relay's checkpoint in events.kv goes into the archive and comes back with the restore", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/a`);
    const log = await KvEventLog.open(`${dir}/a/events.kv`);
    await fill(log, 4);
    await log.checkpoints().save("integration", 3, null);
    await log.checkpoints().save("other", 9, null);
    await log.close();
    const checkpoints = await roundTrip(
      await embeddedSource(`${dir}/a`),
      embeddedTarget(`${dir}/b`),
    );
    // A checkpoint past the backup's last commit is clamped to it.
    assert.deepEqual(checkpoints, { integration: 3, other: 4 });
    const restored = await KvEventLog.open(`${dir}/b/events.kv`);
    try {
      assert.equal(await restored.headPosition(), 4);
      assert.equal(
        (await restored.checkpoints().load("integration"))?.position,
        3,
      );
      assert.deepEqual(await restored.checkpoints().list(), {
        integration: 3,
        other: 4,
      });
    } finally {
      await restored.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backup (distributed): the relay's checkpoint in tms_consumers goes into the archive and comes back with the restore", async () => {
  const from = await NatsServer.start();
  const to = await NatsServer.start();
  const a = await natsConnect({ servers: from.url });
  const b = await natsConnect({ servers: to.url });
  try {
    const log = await JetStreamEventLog.open(a);
    await fill(log, 5);
    await (await JetStreamFeedCheckpoints.open(a)).save("integration", 5, null);
    await log.close();
    const checkpoints = await roundTrip(
      await distributedSource(a),
      distributedTarget(b),
    );
    assert.deepEqual(checkpoints, { integration: 5 });
    const restored = await JetStreamFeedCheckpoints.open(b);
    assert.equal((await restored.load("integration"))?.position, 5);
  } finally {
    await a.close();
    await b.close();
    await from.dispose();
    await to.dispose();
  }
});
