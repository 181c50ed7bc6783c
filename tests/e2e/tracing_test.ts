/**
 * Traces end to end: real node processes export their spans with Deno's
 * built-in OpenTelemetry over OTLP/HTTP (JSON) to a real receiver, and one
 * command reads as one trace from the edge through the actor and the log to
 * the read model — on one embedded node, and across two distributed nodes
 * where the edge forwards the ask to the shard's owner over NATS.
 */
import assert from "node:assert/strict";
import { organisasjonsnummerFor } from "../../ops/orgnr.ts";
import { authHeaders, startServer } from "../../ops/server_process.ts";
import type { ServerProcess } from "../../ops/server_process.ts";
import { NatsServer } from "../support/mod.ts";
import { startClusterNode, waitBalanced } from "../support/cluster.ts";
import { OtlpKind, OtlpReceiver } from "../support/otlp_receiver.ts";
import type { ReceivedSpan } from "../support/otlp_receiver.ts";
import { HttpHeaders } from "../../runtime/core/mod.ts";

function hex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A traceparent of our own: the edge's server span continues it. */
function newTrace(): { traceId: string; spanId: string; header: string } {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

function orgnr(seed: number): string {
  for (let s = seed;; s++) {
    const n = organisasjonsnummerFor(s);
    if (n) return n;
  }
}

async function register(
  server: ServerProcess,
  seed: number,
  traceparent: string,
): Promise<{ id: string; position: string }> {
  const res = await fetch(`${server.url}/api/v1/bedrifter`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      traceparent,
      ...authHeaders(server.url),
    },
    body: JSON.stringify({
      organisasjonsnummer: orgnr(seed),
      navn: `Sporing ${seed} AS`,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return { id: body.id, position: res.headers.get(HttpHeaders.position)! };
}

/** Reads the bedrift back from the read model once it has the write. */
async function readBack(server: ServerProcess, position: string) {
  const res = await fetch(`${server.url}/api/v1/bedrifter?limit=1`, {
    headers: {
      [HttpHeaders.minPosition]: position,
      ...authHeaders(server.url),
    },
  });
  await res.body?.cancel();
  assert.equal(res.status, 200);
}

function one(
  spans: ReceivedSpan[],
  what: string,
  predicate: (s: ReceivedSpan) => boolean,
): ReceivedSpan {
  const found = spans.filter(predicate);
  assert.equal(
    found.length,
    1,
    `expected one ${what}, found ${found.length}: ${
      spans.map((s) => `${s.service}:${s.name}`).join(", ")
    }`,
  );
  return found[0];
}

const isHex16 = /^[0-9a-f]{16}$/;

Deno.test({
  name:
    "tracing, embedded: edge → ask → KV append → projection and relay batches, exported over OTLP/HTTP JSON",
  async fn() {
    const receiver = OtlpReceiver.start();
    const dataDir = await Deno.makeTempDir({ prefix: "tms-trace-" });
    const nats = await NatsServer.start();
    let server: ServerProcess | undefined;
    try {
      server = await startServer({
        TMS_DATA_DIR: dataDir,
        TMS_INTEGRATION_NATS_URL: nats.url,
        ...receiver.env("tms-embedded"),
      });
      const trace = newTrace();
      const { position } = await register(server, 11, trace.header);
      await readBack(server, position);
      const inTrace = () =>
        receiver.spans.filter((s) => s.traceId === trace.traceId);
      await receiver.waitFor(
        "projection span of the bedrift's commit",
        () => inTrace().some((s) => s.name === "tms.project bedrifter"),
      );
      assert.ok(receiver.contentTypes.has("application/json"));
      const spans = inTrace();

      const edge = one(spans, "server span", (s) => s.kind === OtlpKind.server);
      assert.equal(edge.parentSpanId, trace.spanId);
      assert.equal(edge.name, "POST /api/v1/bedrifter");
      assert.equal(edge.attributes["http.route"], "/api/v1/bedrifter");

      const ask = one(spans, "ask", (s) => s.name === "tms.ask bedrift");
      assert.equal(ask.parentSpanId, edge.spanId);
      assert.equal(ask.kind, OtlpKind.internal);
      assert.equal(ask.attributes["tms.aggregate.type"], "bedrift");
      assert.equal(ask.attributes["tms.command"], "register");
      assert.equal(ask.attributes["tms.outcome"], "committed");
      assert.match(String(ask.attributes["tms.aggregate.id_hash"]), isHex16);
      // The organisasjonsnummer is reserved by its own actor first.
      const reserve = one(
        spans,
        "reservation",
        (s) => s.name === "tms.ask unique_orgnr",
      );
      assert.equal(reserve.parentSpanId, edge.spanId);

      const append = one(
        spans,
        "append",
        (s) => s.name === "tms.append bedrift",
      );
      assert.equal(append.parentSpanId, ask.spanId);
      assert.equal(append.kind, OtlpKind.internal);
      assert.equal(append.attributes["tms.log"], "kv");
      assert.equal(append.attributes["tms.commit.position"], Number(position));

      const project = one(
        spans,
        "bedrifter batch",
        (s) => s.name === "tms.project bedrifter",
      );
      assert.equal(project.kind, OtlpKind.consumer);
      assert.equal(project.parentSpanId, append.spanId);
      assert.deepEqual(project.links, [{
        traceId: trace.traceId,
        spanId: append.spanId,
      }]);
      assert.equal(project.attributes["tms.position.to"], Number(position));
      assert.equal(project.attributes["messaging.batch.message_count"], 1);

      // The integration relay's batch: a CONSUMER span linked to the commit.
      await receiver.waitFor(
        "relay span of the bedrift's commit",
        () => inTrace().some((s) => s.name === "tms.relay integration"),
      );
      const relay = one(
        inTrace(),
        "relay batch",
        (s) => s.name === "tms.relay integration",
      );
      assert.equal(relay.kind, OtlpKind.consumer);
      assert.equal(relay.parentSpanId, append.spanId);
      assert.deepEqual(relay.links, [{
        traceId: trace.traceId,
        spanId: append.spanId,
      }]);
      assert.equal(relay.attributes["messaging.system"], "nats");
      assert.equal(relay.attributes["tms.relay.events"], 1);
    } finally {
      await server?.stop();
      await receiver.close();
      await nats.dispose();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "tracing, two distributed nodes: edge → forward over NATS → owner's ask → JetStream publish → projection batches",
  async fn() {
    const receiver = OtlpReceiver.start();
    const nats = await NatsServer.start();
    const dirs = [
      await Deno.makeTempDir({ prefix: "tms-trace-a-" }),
      await Deno.makeTempDir({ prefix: "tms-trace-b-" }),
    ];
    const nodes: ServerProcess[] = [];
    try {
      nodes.push(
        await startClusterNode(nats.url, "a", dirs[0], receiver.env("tms-a")),
      );
      nodes.push(
        await startClusterNode(nats.url, "b", dirs[1], receiver.env("tms-b")),
      );
      await waitBalanced(nodes);
      const [edgeNode] = nodes;
      // Half the shards are b's: some of these asks are forwarded.
      const sent: { trace: ReturnType<typeof newTrace>; id: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const trace = newTrace();
        const { id, position } = await register(
          edgeNode,
          200 + i * 7,
          trace.header,
        );
        await readBack(edgeNode, position);
        sent.push({ trace, id });
      }
      // A projection batch of one commit continues that commit's trace; a
      // batch of several (node b polls and may gather two) starts its own and
      // links to each commit's publish. Either way it links to it.
      const batchesOf = (spans: ReceivedSpan[], traceId: string) =>
        spans.filter((s) =>
          s.name === "tms.project bedrifter" &&
          s.links.some((l) => l.traceId === traceId)
        );
      const tracedEverywhere = (spans: ReceivedSpan[]) =>
        sent.find(({ trace }) =>
          spans.some((s) =>
            s.traceId === trace.traceId && s.name === "tms.forward bedrift"
          ) &&
          new Set(batchesOf(spans, trace.traceId).map((s) => s.service))
              .size === 2
        );
      await receiver.waitFor(
        "a forwarded registration traced down to both nodes' projections",
        (spans) => tracedEverywhere(spans) !== undefined,
      );
      const { trace, id } = tracedEverywhere(receiver.spans)!;
      const spans = receiver.spans.filter((s) => s.traceId === trace.traceId);

      const edge = one(
        spans,
        "edge server span",
        (s) =>
          s.service === "tms-a" && s.kind === OtlpKind.server &&
          s.attributes["http.route"] === "/api/v1/bedrifter",
      );
      assert.equal(edge.parentSpanId, trace.spanId);
      assert.equal(edge.name, "POST /api/v1/bedrifter");

      const forward = one(
        spans,
        "forward",
        (s) => s.name === "tms.forward bedrift",
      );
      assert.equal(forward.service, "tms-a");
      assert.equal(forward.kind, OtlpKind.client);
      assert.equal(forward.parentSpanId, edge.spanId);
      assert.equal(forward.attributes["messaging.system"], "nats");
      assert.match(
        String(forward.attributes["messaging.destination.name"]),
        /^tms\.rpc\.\d+$/,
      );

      // Continued on the owner from the traceparent in the NATS headers.
      const serve = one(
        spans,
        "owner's server span",
        (s) => s.name === "tms.serve bedrift",
      );
      assert.equal(serve.service, "tms-b");
      assert.equal(serve.kind, OtlpKind.server);
      assert.equal(serve.parentSpanId, forward.spanId);

      const ask = one(
        spans,
        "owner's ask",
        (s) => s.name === "tms.ask bedrift",
      );
      assert.equal(ask.service, "tms-b");
      assert.equal(ask.parentSpanId, serve.spanId);
      assert.equal(ask.attributes["tms.outcome"], "committed");

      const publish = one(
        spans,
        "publish",
        (s) => s.name === "publish tms.evt.bedrift",
      );
      assert.equal(publish.service, "tms-b");
      assert.equal(publish.kind, OtlpKind.producer);
      assert.equal(publish.parentSpanId, ask.spanId);
      assert.equal(publish.attributes["messaging.system"], "nats");
      assert.equal(
        publish.attributes["messaging.destination.name"],
        `tms.evt.bedrift.${id}`,
      );

      const batches = batchesOf(receiver.spans, trace.traceId);
      assert.deepEqual(
        batches.map((s) => s.service).sort(),
        ["tms-a", "tms-b"],
      );
      for (const batch of batches) {
        assert.equal(batch.kind, OtlpKind.consumer);
        assert.deepEqual(
          batch.links.filter((l) => l.traceId === trace.traceId),
          [{ traceId: trace.traceId, spanId: publish.spanId }],
        );
        assert.equal(
          batch.links.length,
          batch.attributes["messaging.batch.message_count"],
        );
        // One commit: the batch is part of that commit's trace.
        if (batch.links.length === 1) {
          assert.equal(batch.traceId, trace.traceId);
          assert.equal(batch.parentSpanId, publish.spanId);
        }
      }
    } finally {
      for (const node of nodes) await node.stop();
      await nats.dispose();
      await receiver.close();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});
