import assert from "node:assert/strict";
import { loadCloudEvents, natsConnect } from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import { JetStreamEventLog } from "../../../runtime/log/jetstream/mod.ts";
import {
  JetStreamFeedCheckpoints,
  openConsumersBucket,
} from "../../../runtime/log/jetstream/mod.ts";
import { KvEventLog, KvFeedCheckpoints } from "../../../runtime/log/kv/mod.ts";
import {
  FeedRelay,
  JetStreamIntegrationSink,
  LeasedRelay,
  percentEncodeHeader,
} from "../../../runtime/relay/mod.ts";
import type { EventLog, FeedCheckpoints } from "../../../runtime/core/mod.ts";
import { jetstream, jetstreamManager } from "../../../deps.ts";
import { NatsServer } from "../../support/mod.ts";
import {
  append,
  counted,
  created,
  readIntegrationStream,
  thingMapper,
} from "./support.ts";

const server = await NatsServer.start();
globalThis.addEventListener("unload", () => server.killSync());

const FIXTURE = new URL("./fixtures/crash_relay.ts", import.meta.url).pathname;
const schemaUrl = (type: string) => `http://localhost/${type}.json`;

/** A fresh JetStream (every stream and bucket deleted) and a connection to it. */
async function fresh(): Promise<NatsConnection> {
  const nc = await natsConnect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  for await (const stream of jsm.streams.list()) {
    await jsm.streams.delete(stream.config.name);
  }
  return nc;
}

function sink(nc: NatsConnection, source = "/tms/test") {
  return new JetStreamIntegrationSink(nc, { source, dataschema: schemaUrl });
}

function relay(
  log: EventLog,
  checkpoints: FeedCheckpoints,
  nc: NatsConnection,
  options: { batchSize?: number } = {},
) {
  return new FeedRelay({
    log,
    checkpoints,
    mapper: thingMapper,
    sink: sink(nc),
    batchSize: options.batchSize ?? 3,
  });
}

function ids(messages: { headers: Record<string, string> }[]): string[] {
  return messages.map((m) => m.headers["ce-id"]);
}

Deno.test("relay on JetStream: killed by SIGKILL between publish and checkpoint, restarted, and every event is in TMS_INTEGRATION exactly once", async () => {
  const nc = await fresh();
  const log = await JetStreamEventLog.open(nc);
  try {
    for (let i = 1; i <= 7; i++) {
      await append(log, `t${i}`, 1, [created("b1"), counted(i)]);
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", FIXTURE, server.url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const { signal, stdout, stderr } = await child;
    assert.equal(
      signal,
      "SIGKILL",
      new TextDecoder().decode(stderr).slice(-2000),
    );
    assert.match(
      new TextDecoder().decode(stdout),
      /dying before the checkpoint/,
    );
    const checkpoints = await JetStreamFeedCheckpoints.open(nc);
    assert.equal(await checkpoints.load("integration"), null);
    assert.deepEqual(ids(await readIntegrationStream(nc)), [
      "1-0",
      "2-0",
      "3-0",
    ]);

    const republished = new JetStreamIntegrationSink(nc, {
      source: "/tms/test",
      dataschema: schemaUrl,
    });
    const restarted = new FeedRelay({
      log,
      checkpoints,
      mapper: thingMapper,
      sink: republished,
      batchSize: 3,
    });
    await restarted.start();
    try {
      await restarted.waitFor(7, { signal: AbortSignal.timeout(20_000) });
    } finally {
      await restarted.stop();
      await republished.close();
    }
    const stored = await readIntegrationStream(nc);
    assert.deepEqual(ids(stored), [
      "1-0",
      "2-0",
      "3-0",
      "4-0",
      "5-0",
      "6-0",
      "7-0",
    ]);
    // The first batch really went out twice and the stream dropped it.
    assert.equal(republished.duplicates, 3);
    assert.equal((await checkpoints.load("integration"))?.position, 7);
  } finally {
    await log.close();
    await nc.close();
  }
});

Deno.test("relay embedded (Deno KV log and checkpoint, publishing to NATS): a fault after the publish, a fresh relay, and each event once", async () => {
  const nc = await fresh();
  const dir = await Deno.makeTempDir();
  const log = await KvEventLog.open(`${dir}/events.kv`);
  try {
    for (let i = 1; i <= 5; i++) {
      await append(log, `t${i}`, 1, [created("b1"), counted(i)]);
    }
    const checkpoints: KvFeedCheckpoints = log.checkpoints();
    let faulted!: () => void;
    const fault = new Promise<void>((resolve) => faulted = resolve);
    const doomed = new FeedRelay({
      log,
      checkpoints,
      mapper: thingMapper,
      sink: sink(nc),
      batchSize: 2,
      afterPublish: () => {
        faulted();
        throw new Error("crash after the publish");
      },
    });
    await doomed.start();
    await fault;
    await doomed.stop();
    assert.equal(await checkpoints.load("integration"), null);
    assert.deepEqual(ids(await readIntegrationStream(nc)), ["1-0", "2-0"]);
    const fresh = relay(log, checkpoints, nc, { batchSize: 2 });
    await fresh.start();
    try {
      await fresh.waitFor(5, { signal: AbortSignal.timeout(20_000) });
    } finally {
      await fresh.stop();
    }
    assert.deepEqual(
      ids(await readIntegrationStream(nc)),
      ["1-0", "2-0", "3-0", "4-0", "5-0"],
    );
  } finally {
    await log.close();
    await nc.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("relay messages are CloudEvents 1.0 in binary mode that the cloudevents SDK reads, on tms.int.<tenant>.<aggregate>.<event>, header values percent-encoded", async () => {
  const nc = await fresh();
  const log = await JetStreamEventLog.open(nc);
  const { HTTP } = await loadCloudEvents();
  try {
    await append(log, "blåbær-1", 1, [created("b.1"), counted(1)]);
    const r = relay(log, await JetStreamFeedCheckpoints.open(nc), nc);
    await r.start();
    await r.waitFor(1, { signal: AbortSignal.timeout(20_000) }).finally(() =>
      r.stop()
    );
    const [message] = await readIntegrationStream(nc);
    // Every header value is printable ASCII; a token never holds a dot.
    for (const value of Object.values(message.headers)) {
      assert.match(value, /^[\x21-\x7e]+$/);
    }
    assert.equal(message.subject, "tms.int.b%2E1.thing.counted");
    assert.equal(message.headers["Nats-Msg-Id"], "1-0");
    assert.equal(
      message.headers["ce-subject"],
      percentEncodeHeader("blåbær-1"),
    );
    // Binary mode: the receiver decodes the values, then the SDK reads them.
    const headers = Object.fromEntries(
      Object.entries(message.headers).map((
        [k, v],
      ) => [k, decodeURIComponent(v)]),
    );
    const event = HTTP.toEvent({ headers, body: message.data }) as {
      [key: string]: unknown;
    };
    assert.equal(event.specversion, "1.0");
    assert.equal(event.id, "1-0");
    assert.equal(event.source, "/tms/test");
    assert.equal(event.type, "no.tms.thing.counted.v1");
    assert.equal(event.subject, "blåbær-1");
    assert.equal(event.datacontenttype, "application/json");
    assert.equal(
      event.dataschema,
      "http://localhost/no.tms.thing.counted.v1.json",
    );
    assert.equal(event.bedriftid, "b.1");
    assert.ok(!Number.isNaN(Date.parse(String(event.time))));
    assert.deepEqual(event.data, { n: 1 });
    // W3C trace context travels as its own header (the Distributed Tracing extension).
    assert.equal(
      message.headers.traceparent,
      `00-${"a".repeat(32)}-${"b".repeat(16)}-01`,
    );
  } finally {
    await log.close();
    await nc.close();
  }
});

Deno.test("relay lease: one relay per cluster; the holder stops gracefully, then crashes, and the standby takes over each time with no gap and no duplicate", async () => {
  const nc = await fresh();
  const log = await JetStreamEventLog.open(nc);
  const ttlMs = 900;
  // Every node has its own connection: a crash is its connection closing.
  const node = async (holder: string) => {
    const own = await natsConnect({ servers: server.url });
    const kv = await openConsumersBucket(jetstream(own));
    const ownLog = await JetStreamEventLog.open(own);
    const leased: LeasedRelay<{ tenant: string }> = new LeasedRelay({
      kv,
      holder,
      ttlMs,
      relay: (): FeedRelay<{ tenant: string }> =>
        new FeedRelay({
          log: ownLog,
          checkpoints: new JetStreamFeedCheckpoints(kv),
          mapper: thingMapper,
          sink: sink(own),
          batchSize: 2,
          pollIntervalMs: 50,
          onConflict: (): void => leased.conflict(),
        }),
    });
    await leased.start();
    return { leased, nc: own, log: ownLog, holder };
  };
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  let n = 0;
  const burst = async () => {
    for (let i = 0; i < 4; i++) {
      n++;
      await append(log, `t${n}`, 1, [created("b1"), counted(n)]);
    }
    return n;
  };
  const a = await node("a");
  const b = await node("b");
  const c = await node("c");
  try {
    assert.equal(a.leased.role, "relay");
    assert.equal(b.leased.role, "standby");
    let head = await burst();
    await a.leased.relay!.waitFor(head, {
      signal: AbortSignal.timeout(20_000),
    });

    // Graceful: the lease is deleted; a standby takes it at its next round.
    await a.leased.stop();
    await a.log.close();
    await a.nc.close();
    head = await burst();
    await until(
      () => [b, c].some((x) => x.leased.role === "relay"),
      "a standby takes over",
    );
    const second = [b, c].find((x) => x.leased.role === "relay")!;
    const third = second === b ? c : b;
    await second.leased.relay!.waitFor(head, {
      signal: AbortSignal.timeout(20_000),
    });

    // Crash: the holder's connection dies and its lease runs out.
    await second.nc.close();
    head = await burst();
    await until(
      () => third.leased.role === "relay",
      "the last node takes over",
    );
    await third.leased.relay!.waitFor(head, {
      signal: AbortSignal.timeout(20_000),
    });
    await second.leased.stop();
    await second.log.close().catch(() => {});

    const stored = await readIntegrationStream(nc);
    const expected = Array.from({ length: n }, (_, i) => `${i + 1}-0`);
    assert.deepEqual(ids(stored), expected);
  } finally {
    for (const x of [b, c]) {
      await x.leased.stop().catch(() => {});
      await x.log.close().catch(() => {});
      await x.nc.close().catch(() => {});
    }
    await log.close();
    await nc.close();
  }
});
