/**
 * `deno task integration:credentials` against a real nats-server started
 * with the block it prints: the subscriber's nkey user may read the
 * integration events and manage its own durable consumers on
 * TMS_INTEGRATION; it is refused `tms.evt.>`, `tms.rpc.>`, the event log's
 * stream, another consumer and publishing integration events — each a
 * permissions violation the server reports.
 */
import assert from "node:assert/strict";
import {
  jetstream,
  jetstreamManager,
  natsConnect,
  natsNkeyAuthenticator,
} from "../../deps.ts";
import type { NatsConnection } from "../../deps.ts";
import { IntegrationNames } from "../../runtime/core/mod.ts";
import { JetStreamEventLog } from "../../runtime/log/jetstream/mod.ts";
import { JetStreamIntegrationSink } from "../../runtime/relay/mod.ts";
import type { PositionedIntegrationEvent } from "../../runtime/relay/mod.ts";
import { natsServerWith, seedOf } from "../support/integration.ts";

const TASK = new URL("../../ops/integration_credentials.ts", import.meta.url)
  .pathname;

/** Runs the task as an operator would; answers its output. */
async function credentials(...args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-env", "--allow-read", TASK, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

function event(n: number): PositionedIntegrationEvent {
  return {
    type: "no.tms.invoice.paid.v1",
    aggregate: "invoice",
    event: "paid",
    tenant: "b1",
    subject: `i${n}`,
    time: "2025-03-03T08:00:00.000Z",
    data: { invoiceId: `i${n}` },
    id: `${n}-0`,
    position: n,
    index: 0,
  };
}

/** The permissions violations the server reports on a connection, as they come. */
class Violations {
  readonly #seen: string[] = [];
  readonly done: Promise<void>;

  constructor(nc: NatsConnection) {
    this.done = (async () => {
      for await (const status of nc.status()) {
        const text = JSON.stringify(
          status,
          (_, v) => v instanceof Error ? `${v.name}: ${v.message}` : v,
        );
        if (/permission/i.test(text)) this.#seen.push(text);
      }
    })();
  }

  /** Does `act`; answers the violation it caused (thrown, or reported after it). */
  async of(act: () => unknown): Promise<string> {
    const before = this.#seen.length;
    try {
      await act();
    } catch (error) {
      const text = String(error);
      if (/permission/i.test(text)) return text;
      throw error;
    }
    const deadline = Date.now() + 5_000;
    while (this.#seen.length === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.#seen[before] ?? "(no violation reported)";
  }
}

Deno.test("integration:credentials: the user it makes reads integration events and its own consumers, and is refused tms.evt.>, tms.rpc.>, other consumers and publishing", async () => {
  const block = await credentials("acme", "--consumers", "acme,acme-2");
  assert.match(block, /authorization \{/);
  const server = await natsServerWith(block);
  const tms = await natsConnect({
    servers: server.url,
    user: "tms",
    pass: "tms-secret",
  });
  const log = await JetStreamEventLog.open(tms);
  const sink = new JetStreamIntegrationSink(tms, {
    source: "/tms/test",
    dataschema: (type) => `http://localhost/${type}.json`,
  });
  const acme = await natsConnect({
    servers: server.url,
    authenticator: await natsNkeyAuthenticator(
      new TextEncoder().encode(seedOf(block)),
    ),
    inboxPrefix: "_INBOX_acme",
  });
  const violations = new Violations(acme);
  try {
    await sink.publish([event(1), event(2)]);

    // Allowed: its own durable pull consumer, fetching and acking.
    const jsm = await jetstreamManager(acme);
    await jsm.consumers.add(IntegrationNames.stream, {
      durable_name: "acme",
      ack_policy: "explicit" as never,
    });
    const consumer = await jetstream(acme).consumers.get(
      IntegrationNames.stream,
      "acme",
    );
    const batch = await consumer.fetch({ max_messages: 2, expires: 5_000 });
    const ids: string[] = [];
    for await (const msg of batch) {
      ids.push(msg.headers!.get("ce-id"));
      await msg.ackAck();
    }
    assert.deepEqual(ids, ["1-0", "2-0"]);
    assert.equal(
      (await jsm.consumers.info(IntegrationNames.stream, "acme")).ack_floor
        .stream_seq,
      2,
    );
    await jsm.consumers.add(IntegrationNames.stream, {
      durable_name: "acme-2",
      ack_policy: "explicit" as never,
      filter_subject: "tms.int.b1.>",
    });
    await jsm.consumers.delete(IntegrationNames.stream, "acme-2");
    // Allowed: a plain subscription to the integration subjects.
    const live = acme.subscribe("tms.int.>", { max: 1 });
    await acme.flush();
    await sink.publish([event(3)]);
    for await (const msg of live) {
      assert.equal(msg.headers!.get("ce-id"), "3-0");
    }

    // Refused: the event log, the cluster's RPC, other consumers, forging events.
    const refusals = [
      await violations.of(async () => {
        const sub = acme.subscribe("tms.evt.>");
        for await (const _ of sub) break;
      }),
      await violations.of(() => acme.publish("tms.rpc.0", "ask")),
      await violations.of(
        () => acme.publish("tms.int.b1.invoice.paid", "{}"),
      ),
      await violations.of(
        () =>
          jsm.consumers.add(IntegrationNames.stream, {
            durable_name: "someone-else",
            ack_policy: "explicit" as never,
          }),
      ),
      await violations.of(
        () =>
          jsm.consumers.add("TMS_EVENTS", {
            durable_name: "acme",
            ack_policy: "explicit" as never,
          }),
      ),
      await violations.of(() => jsm.streams.info("TMS_EVENTS")),
    ];
    for (const refusal of refusals) {
      assert.match(refusal, /permission/i, refusal);
    }
    // Nothing forged reached the stream.
    const info = await (await jetstreamManager(tms)).streams.info(
      IntegrationNames.stream,
    );
    assert.equal(info.state.messages, 3);
  } finally {
    await acme.close();
    await violations.done;
    await sink.close();
    await log.close();
    await tms.close();
    await server.dispose();
  }
});

Deno.test("integration:credentials: --json, and a name that is not a subject token is refused", async () => {
  const json = JSON.parse(await credentials("acme", "--json"));
  assert.match(json.publicKey, /^U[A-Z0-9]{55}$/);
  assert.match(json.seed, /^SU[A-Z0-9]+$/);
  assert.deepEqual(json.consumers, ["acme"]);
  assert.ok(json.permissions.subscribe.deny.includes("tms.evt.>"));
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-env", "--allow-read", TASK, "a.b"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(bad.code, 2);
});
