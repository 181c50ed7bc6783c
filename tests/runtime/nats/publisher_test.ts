import assert from "node:assert/strict";
import {
  isJetStreamApiError,
  jetstreamManager,
  loadNats,
  natsConnect,
  natsHeaders,
  StorageType,
} from "../../../deps.ts";
import type { NatsConnection } from "../../../deps.ts";
import {
  encodeHeaders,
  JetStreamPublisher,
  NatsRequester,
  NatsStatusError,
  RequestClosedError,
  RequestTimeoutError,
} from "../../../runtime/nats/mod.ts";
import { NatsServer } from "../../support/mod.ts";

const body = new TextEncoder().encode("[]");

async function withServer(
  fn: (nc: NatsConnection) => Promise<void>,
): Promise<void> {
  const server = await NatsServer.start();
  const nc = await natsConnect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: "PUB_TEST",
      subjects: ["pub.>"],
      storage: StorageType.File,
    });
    await fn(nc);
  } finally {
    await nc.close();
    await server.dispose();
  }
}

Deno.test("encodeHeaders writes the header block nats.js writes", async () => {
  await loadNats();
  const h = natsHeaders();
  h.set("Nats-Msg-Id", "a.b@1");
  h.set("Tms-Version", " 7 ");
  const expected = String(h);
  const actual = new TextDecoder().decode(
    encodeHeaders([["Nats-Msg-Id", "a.b@1"], ["Tms-Version", " 7 "]]),
  );
  assert.equal(actual, expected);
  assert.throws(() => encodeHeaders([["X", "a\r\nb"]]), TypeError);
});

Deno.test("pipelined publishes are all acknowledged, with gap-free sequences", async () => {
  await withServer(async (nc) => {
    const publisher = new JetStreamPublisher(nc);
    const acks = await Promise.all(
      Array.from(
        { length: 500 },
        (_, i) =>
          publisher.publish(
            `pub.s${i % 7}`,
            encodeHeaders([["Nats-Msg-Id", `m${i}`]]),
            body,
          ),
      ),
    );
    assert.deepEqual(
      acks.map((a) => a.seq).sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    assert.ok(acks.every((a) => a.stream === "PUB_TEST" && !a.duplicate));
    const again = await publisher.publish(
      "pub.s0",
      encodeHeaders([["Nats-Msg-Id", "m0"]]),
      body,
    );
    assert.equal(again.duplicate, true);
    assert.equal(publisher.pending, 0);
    publisher.close();
  });
});

Deno.test("a refused publish rejects with the stream's API error", async () => {
  await withServer(async (nc) => {
    const publisher = new JetStreamPublisher(nc);
    await publisher.publish("pub.x", encodeHeaders([]), body);
    const error = await publisher.publish(
      "pub.x",
      encodeHeaders([["Nats-Expected-Last-Subject-Sequence", "0"]]),
      body,
    ).catch((e) => e);
    assert.ok(isJetStreamApiError(error));
    assert.equal(error.code, 10071);
    publisher.close();
  });
});

Deno.test("no stream on the subject rejects with NATS status 503", async () => {
  await withServer(async (nc) => {
    const publisher = new JetStreamPublisher(nc);
    const error = await publisher.publish("nostream.x", encodeHeaders([]), body)
      .catch((e) => e);
    assert.ok(error instanceof NatsStatusError);
    assert.equal(error.code, 503);
    publisher.close();
  });
});

Deno.test("an unanswered publish times out; close rejects what is pending", async () => {
  await withServer(async (nc) => {
    // A plain subscriber takes the message and never answers.
    const silent = nc.subscribe("silent.>");
    const publisher = new JetStreamPublisher(nc, { timeoutMs: 100 });
    const started = performance.now();
    const error = await publisher.publish("silent.x", encodeHeaders([]), body)
      .catch((e) => e);
    assert.ok(error instanceof RequestTimeoutError);
    assert.ok(performance.now() - started >= 100);
    assert.equal(publisher.pending, 0);

    const slow = new JetStreamPublisher(nc, { timeoutMs: 60_000 });
    const pending = slow.publish("silent.y", encodeHeaders([]), body);
    slow.close();
    await assert.rejects(pending, RequestClosedError);
    await assert.rejects(
      slow.publish("pub.x", encodeHeaders([]), body),
      RequestClosedError,
    );
    silent.unsubscribe();
    publisher.close();
  });
});

Deno.test("requester: answers reach their callers; no responder is 503; deadlines are per request", async () => {
  await withServer(async (nc) => {
    const echo = nc.subscribe("echo.*", {
      callback: (_error, msg) => {
        if (msg.subject === "echo.slow") return; // never answers
        msg.respond(new TextEncoder().encode(`re:${msg.string()}`));
      },
    });
    const requester = new NatsRequester(nc, { timeoutMs: 60_000 });
    const answers = await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          requester.request("echo.x", new TextEncoder().encode(String(i))),
      ),
    );
    assert.deepEqual(
      answers.map((m) => m.string()),
      Array.from({ length: 100 }, (_, i) => `re:${i}`),
    );
    const none = await requester.request("nobody.here", body).catch((e) => e);
    assert.ok(none instanceof NatsStatusError && none.code === 503);
    const started = performance.now();
    await assert.rejects(
      requester.request("echo.slow", body, { timeoutMs: 50 }),
      RequestTimeoutError,
    );
    assert.ok(performance.now() - started < 5_000);
    assert.equal(requester.pending, 0);
    echo.unsubscribe();
    requester.close();
  });
});
