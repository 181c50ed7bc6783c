/**
 * The published integration contract: every event type's JSON Schema is a
 * valid draft 2020-12 schema served at its `ce-dataschema` URL; the data the
 * relay makes of real commands (sent through the edge) is valid against it;
 * and `/asyncapi.json` is a valid AsyncAPI 3.0 document with one channel and
 * message per type.
 */
import assert from "node:assert/strict";
import { integrationMapper } from "../../../actors/integration/mod.ts";
import { loadAjv2020 } from "../../../deps.ts";
import { KvFeedCheckpoints } from "../../../runtime/log/kv/mod.ts";
import { FeedRelay } from "../../../runtime/relay/mod.ts";
import type {
  PositionedIntegrationEvent,
  RelaySink,
} from "../../../runtime/relay/mod.ts";
import {
  INTEGRATION_CATALOGUE,
  integrationSchemaPath,
} from "../../../schemas/integration/mod.ts";
import { validateAsyncApi } from "../../../ops/asyncapi.ts";
import { domainApp } from "../../support/domain_app.ts";
import { aDrivingSchoolDay } from "../../support/integration.ts";

type App = Awaited<ReturnType<typeof domainApp>>;

async function ok(t: App, method: string, path: string, body?: unknown) {
  const res = await t.json(method, `/api/v1${path}`, body);
  assert.ok(res.status < 300, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

class Capture implements RelaySink {
  readonly events: PositionedIntegrationEvent[] = [];
  publish(events: readonly PositionedIntegrationEvent[]): Promise<void> {
    this.events.push(...events);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("integration contract: every schema is valid draft 2020-12 at its URL, and what the relay makes of a day's commands is valid against it", async () => {
  const t = await domainApp();
  const kv = await Deno.openKv(":memory:");
  const Ajv = await loadAjv2020();
  const ajv = new Ajv({ strict: false });
  try {
    const index = await (await t.app.request(
      "/api/v1/schemas/integration",
      { headers: { authorization: "" } },
    )).json();
    assert.equal(index.items.length, INTEGRATION_CATALOGUE.length);
    const validators = new Map<string, (data: unknown) => boolean>();
    for (const spec of INTEGRATION_CATALOGUE) {
      // Public: no token needed.
      const res = await t.app.request(integrationSchemaPath(spec.type), {
        headers: { authorization: "" },
      });
      assert.equal(res.status, 200, spec.type);
      assert.match(
        res.headers.get("content-type") ?? "",
        /application\/schema\+json/,
      );
      const schema = await res.json();
      assert.equal(
        schema.$id,
        `http://localhost:8000${integrationSchemaPath(spec.type)}`,
      );
      assert.equal(
        schema.$schema,
        "https://json-schema.org/draft/2020-12/schema",
      );
      assert.ok(ajv.validateSchema(schema), spec.type);
      assert.equal(schema.additionalProperties, false, spec.type);
      validators.set(spec.type, ajv.compile(schema));
      assert.ok(
        index.items.some((i: { schema: string }) => i.schema === schema.$id),
      );
    }
    const missing = await t.app.request(
      "/api/v1/schemas/integration/no.tms.nothing.v1.json",
      { headers: { authorization: "" } },
    );
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    await aDrivingSchoolDay((method, path, body) => ok(t, method, path, body));
    const sink = new Capture();
    const relay = new FeedRelay({
      log: t.log,
      checkpoints: new KvFeedCheckpoints(kv),
      mapper: integrationMapper,
      sink,
    });
    await relay.start();
    try {
      await relay.waitFor(await t.log.headPosition(), {
        signal: AbortSignal.timeout(20_000),
      });
    } finally {
      await relay.stop();
    }
    for (const event of sink.events) {
      const validate = validators.get(event.type)!;
      assert.ok(
        validate(event.data),
        `${event.type}: ${
          JSON.stringify((validate as unknown as { errors: unknown }).errors)
        }`,
      );
    }
    const types = new Set(sink.events.map((e) => e.type));
    assert.deepEqual([...types].sort(), [
      "no.tms.bedrift.registered.v1",
      "no.tms.bedrift.status_changed.v1",
      "no.tms.bedrift.updated.v1",
      "no.tms.employee.hired.v1",
      "no.tms.employee.terminated.v1",
      "no.tms.invoice.credited.v1",
      "no.tms.invoice.paid.v1",
      "no.tms.invoice.payment_registered.v1",
      "no.tms.invoice.sent.v1",
      "no.tms.kontroll.completed.v1",
      "no.tms.kontroll.failed.v1",
    ]);
    // Three sent: two invoices and the credit note.
    assert.equal(
      sink.events.filter((e) => e.type === "no.tms.invoice.sent.v1").length,
      3,
    );
    const text = JSON.stringify(sink.events);
    for (
      const personal of ["Kari", "Nordmann", "kari@", "Ola Hansen", "Avlyst"]
    ) {
      assert.ok(!text.includes(personal), personal);
    }
  } finally {
    kv.close();
    await t.close();
  }
});

Deno.test("integration contract: /asyncapi.json is a valid AsyncAPI 3.0 document with a channel, a message and an operation per event type", async () => {
  const t = await domainApp();
  try {
    const res = await t.app.request("/asyncapi.json", {
      headers: { authorization: "" },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    const doc = JSON.parse(text);
    assert.equal(doc.asyncapi, "3.0.0");
    const result = await validateAsyncApi(text);
    const errors = result.diagnostics.filter((d) => d.severity === 0);
    assert.deepEqual(errors, []);
    assert.equal(result.version, "3.0.0");
    assert.equal(result.channels, INTEGRATION_CATALOGUE.length);
    assert.equal(result.messages, INTEGRATION_CATALOGUE.length);
    const paid = doc.components.messages.invoicePaid;
    assert.equal(
      paid.headers.properties["ce-type"].const,
      "no.tms.invoice.paid.v1",
    );
    assert.equal(
      paid.headers.properties["ce-dataschema"].const,
      "http://localhost:8000/api/v1/schemas/integration/no.tms.invoice.paid.v1.json",
    );
    assert.equal(
      doc.channels.invoicePaid.address,
      "tms.int.{bedriftId}.invoice.paid",
    );
    assert.match(doc.info.description, /max_deliver/);

    // The parser does refuse a broken document (so the check above means something).
    const broken = { ...doc, channels: { x: { address: 42 } } };
    const refused = await validateAsyncApi(JSON.stringify(broken));
    assert.ok(refused.diagnostics.some((d) => d.severity === 0));
  } finally {
    await t.close();
  }
});
