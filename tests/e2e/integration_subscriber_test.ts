/**
 * The integration contract end to end: a real embedded node (main.ts in a
 * process of its own) relays its integration events to a real nats-server
 * whose users are the node's and a subscriber's from
 * `deno task integration:credentials`; the example subscriber of
 * `docs/integration/subscriber.ts` consumes them with its durable pull
 * consumer, decodes each with the cloudevents SDK and validates its data
 * against the schema the node publishes; a message its handler keeps failing
 * becomes a dead letter from the max-deliveries advisory, and a message that
 * is no valid event a dead letter at once.
 */
import assert from "node:assert/strict";
import { natsConnect, natsHeaders } from "../../deps.ts";
import { startSubscriber } from "../../docs/integration/subscriber.ts";
import type {
  DeadLetter,
  IntegrationCloudEvent,
} from "../../docs/integration/subscriber.ts";
import {
  authorizationBlock,
  subscriberCredentials,
} from "../../ops/integration_credentials.ts";
import { freePort, startServer } from "../../ops/server_process.ts";
import { organisasjonsnummerFor } from "../../ops/orgnr.ts";
import { NatsServer } from "../support/mod.ts";
import { startClusterNode } from "../support/cluster.ts";
import {
  aDrivingSchoolDay,
  natsServerWith,
  readIntegrationStream,
  TMS_NATS_USER,
} from "../support/integration.ts";

async function until(check: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("integration e2e: node → TMS_INTEGRATION → the example subscriber (nkey user, durable pull, explicit ack), schemas validated, a failing message dead-lettered after max_deliver", async () => {
  const credentials = await subscriberCredentials("acme");
  const nats = await natsServerWith(authorizationBlock(credentials));
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const node = await startServer({
    TMS_DATA_DIR: dir,
    TMS_INTEGRATION_NATS_URL:
      `nats://${TMS_NATS_USER.user}:${TMS_NATS_USER.pass}@127.0.0.1:${nats.port}`,
    TMS_PUBLIC_URL: publicUrl,
    TMS_CLUSTER_NAME: "e2e",
  }, { port });
  const handled: IntegrationCloudEvent[] = [];
  const dead: DeadLetter[] = [];
  const schemasRead: string[] = [];
  let failures = 0;
  // It waits for the stream, which the node creates with its first event.
  const starting = startSubscriber({
    servers: nats.url,
    name: "acme",
    seed: credentials.seed,
    maxDeliver: 3,
    retryDelayMs: 20,
    handle: (event) => {
      if (event.type === "no.tms.kontroll.failed.v1") {
        failures++;
        return Promise.reject(new Error("our system is down"));
      }
      handled.push(event);
      return Promise.resolve();
    },
    onDeadLetter: (letter) => {
      dead.push(letter);
      return Promise.resolve();
    },
    loadSchema: async (url) => {
      schemasRead.push(url);
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      return await res.json();
    },
  });
  let subscriber: Awaited<typeof starting> | undefined;
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${node.url}/api/v1${path}`, {
        method,
        headers: { "content-type": "application/json", ...node.auth },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      assert.ok(res.ok, `${method} ${path}: ${JSON.stringify(json)}`);
      return json;
    };
    await aDrivingSchoolDay(call);
    subscriber = await starting;
    // 2 bedrift + updated + 2 employee + 3 sent + 2 payments + paid + credited + 2 kontroll
    const expected = 14;
    await until(
      () => handled.length === expected - 1 && dead.length === 1,
      `${
        expected - 1
      } handled (${handled.length}) and one dead letter (${dead.length})`,
    );
    // Each once, in feed order per aggregate, from this installation.
    const ids = handled.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(handled.every((e) => e.source === "/tms/e2e"));
    assert.ok(handled.every((e) => e.dataschema.startsWith(publicUrl)));
    assert.ok(schemasRead.length >= 10);
    const sent = handled.filter((e) => e.type === "no.tms.invoice.sent.v1");
    assert.equal(sent.length, 3);
    // The failing one was delivered max_deliver times, then set aside.
    assert.equal(failures, 3);
    assert.equal(dead[0].reason, "max_deliveries");
    assert.equal(dead[0].event?.type, "no.tms.kontroll.failed.v1");
    assert.equal(dead[0].event?.data.registreringsnummer, "EL12345");

    // A message that is no valid event (the data breaks its schema) is dead at once.
    const tms = await natsConnect({ servers: nats.url, ...TMS_NATS_USER });
    try {
      const good = handled.find((e) => e.type === "no.tms.invoice.paid.v1")!;
      const headers = natsHeaders();
      for (
        const [name, value] of [
          ["ce-specversion", "1.0"],
          ["ce-id", "999999-0"],
          ["ce-source", "/tms/e2e"],
          ["ce-type", good.type],
          ["ce-subject", good.subject],
          ["ce-time", good.time],
          ["ce-dataschema", good.dataschema],
          ["content-type", "application/json"],
        ]
      ) headers.set(name, value);
      tms.publish("tms.int.b1.invoice.paid", JSON.stringify({ paid: "yes" }), {
        headers,
      });
      await tms.flush();
    } finally {
      await tms.close();
    }
    await until(() => dead.length === 2, "the invalid message dead-lettered");
    assert.equal(dead[1].reason, "invalid");
    assert.match(dead[1].detail, /does not match/);
    assert.equal(handled.length, expected - 1);

    // The node tells what it relayed.
    const metricsText = async () =>
      await (await fetch(`${node.url}/metrics`, { headers: node.auth })).text();
    await until(
      async () =>
        /^tms_relay_lag_positions\{relay="integration"\} 0$/m.test(
          await metricsText(),
        ),
      "no relay lag",
    );
    const metrics = await metricsText();
    assert.match(metrics, /^tms_relay_active 1$/m);
    assert.match(
      metrics,
      new RegExp(
        `^tms_relay_published_total\\{relay="integration"\\} ${expected}$`,
        "m",
      ),
    );
  } finally {
    await (subscriber ?? await starting.catch(() => undefined))?.stop();
    await node.stop();
    await nats.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("integration e2e, distributed: of two node processes exactly one relays; it stops, the other takes over, and every event is in TMS_INTEGRATION once", async () => {
  const nats = await NatsServer.start();
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const nodes = [
    await startClusterNode(nats.url, "relay-a", dirs[0]),
    await startClusterNode(nats.url, "relay-b", dirs[1]),
  ];
  const nc = await natsConnect({ servers: nats.url });
  try {
    const active = async (node: { url: string; auth: HeadersInit }) =>
      /^tms_relay_active 1$/m.test(
        await (await fetch(`${node.url}/metrics`, { headers: node.auth }))
          .text(),
      );
    await until(
      async () =>
        (await Promise.all(nodes.map(active))).filter(Boolean).length === 1,
      "exactly one node relays",
    );
    const holder = (await active(nodes[0])) ? 0 : 1;
    const other = nodes[1 - holder];
    const register = async (node: typeof other, seed: number) => {
      const res = await fetch(`${node.url}/api/v1/bedrifter`, {
        method: "POST",
        headers: { "content-type": "application/json", ...node.auth },
        body: JSON.stringify({
          organisasjonsnummer: organisasjonsnummerOf(seed),
          navn: `Relé ${seed} AS`,
        }),
      });
      assert.equal(res.status, 201, await res.text());
    };
    const stored = async () =>
      (await readIntegrationStream(nc)).map((m) => m.headers["ce-type"]);
    await register(nodes[holder], 1);
    await until(async () => {
      try {
        return (await stored()).length === 1;
      } catch {
        return false;
      }
    }, "the first event relayed");
    await nodes[holder].stop();
    await register(other, 2);
    await until(() => active(other), "the other node takes over");
    await until(
      async () => (await stored()).length === 2,
      "the second event relayed",
    );
    const ids = (await readIntegrationStream(nc)).map((m) =>
      m.headers["ce-id"]
    );
    assert.equal(new Set(ids).size, 2);
    assert.deepEqual(await stored(), [
      "no.tms.bedrift.registered.v1",
      "no.tms.bedrift.registered.v1",
    ]);
  } finally {
    await nc.close();
    for (const node of nodes) await node.stop();
    await nats.dispose();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
});

function organisasjonsnummerOf(seed: number): string {
  for (let s = seed * 100;; s++) {
    const n = organisasjonsnummerFor(s);
    if (n) return n;
  }
}
