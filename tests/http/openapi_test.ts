/**
 * The published contract: the OpenAPI 3.1 document is valid (checked by
 * `@apidevtools/swagger-parser`), every registered route is in it and every
 * documented path is routed, request validation comes from the same
 * declarations (422 with field paths, 400 for malformed JSON, in both
 * versions), every operation names its roles from the policy table, and the
 * problem types it lists answer at their URIs.
 */
import assert from "node:assert/strict";
import { loadSwaggerParser } from "../../deps.ts";
import { policyKey, ROUTE_POLICIES } from "../../http/policy.ts";
import { testApp } from "../support/app.ts";

type Json = Record<string, unknown>;

async function documentOf(
  app: { request: (p: string) => Response | Promise<Response> },
  path = "/openapi.json",
) {
  const res = await app.request(path);
  assert.equal(res.status, 200);
  return await res.json() as Json;
}

Deno.test("openapi: the document is valid OpenAPI 3.1, and an invalid one is refused", async () => {
  const t = await testApp();
  try {
    const SwaggerParser = await loadSwaggerParser();
    for (
      const path of ["/openapi.json", "/openapi/v1.json", "/openapi/v2.json"]
    ) {
      const doc = await documentOf(t.app, path);
      assert.equal(doc.openapi, "3.1.0");
      // deno-lint-ignore no-explicit-any
      await SwaggerParser.validate(structuredClone(doc) as any);
    }
    // The validator is real: a response without its description fails.
    const broken = await documentOf(t.app);
    const paths = broken.paths as Record<string, Record<string, Json>>;
    delete (paths["/api/v2/invoices/{id}"].get.responses as Record<
      string,
      Json
    >)["200"].description;
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => SwaggerParser.validate(broken as any),
      /description/,
    );
    const missing = await t.app.request("/openapi/v9.json");
    assert.equal(missing.status, 404);
  } finally {
    await t.close();
  }
});

Deno.test("openapi: every registered route is documented and every documented operation is routed", async () => {
  const t = await testApp();
  try {
    const doc = await documentOf(t.app);
    const documented = new Set<string>();
    for (
      const [path, ops] of Object.entries(doc.paths as Record<string, Json>)
    ) {
      for (const method of Object.keys(ops)) {
        documented.add(
          `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`,
        );
      }
    }
    const routed = new Set(
      t.app.routes.filter((r) => r.method !== "ALL").map((r) =>
        `${r.method} ${r.path}`
      ),
    );
    assert.deepEqual([...routed].filter((r) => !documented.has(r)), []);
    assert.deepEqual([...documented].filter((d) => !routed.has(d)), []);
    // Both versions of every /api/ route, and the policy table's roles on each.
    for (const route of routed) {
      if (!route.includes(" /api/")) continue;
      assert.ok(documented.has(route.replace("/api/v1/", "/api/v2/")), route);
      const [method, path] = route.split(" ");
      const op = (doc.paths as Record<string, Record<string, Json>>)[
        path.replace(/:(\w+)/g, "{$1}")
      ][method.toLowerCase()];
      const policy = ROUTE_POLICIES[policyKey(route)];
      assert.ok(policy, route);
      if (policy.roles === "public") {
        assert.deepEqual(op.security, [], route);
      } else {
        assert.deepEqual(op["x-tms-roles"], policy.roles, route);
        assert.deepEqual(op.security, [{ bearerAuth: [] }], route);
      }
      assert.equal(
        op.deprecated,
        route.includes("/api/v1/") ? true : undefined,
      );
      assert.ok(typeof op.summary === "string" && op.summary.length > 0);
      assert.ok((op.tags as string[]).length === 1, route);
    }
  } finally {
    await t.close();
  }
});

Deno.test("openapi: a write documents its headers, bodies per version, money patterns and problems", async () => {
  const t = await testApp();
  try {
    const doc = await documentOf(t.app);
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const payV1 = paths["/api/v1/invoices/{id}/payments"].post;
    const payV2 = paths["/api/v2/invoices/{id}/payments"].post;
    const params = (payV1.parameters as Json[]).map((p) => p.$ref ?? p.name);
    assert.ok(params.includes("#/components/parameters/Idempotency-Key"));
    assert.ok(params.includes("#/components/parameters/If-Match"));
    for (
      const status of [
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "422",
        "429",
        "503",
      ]
    ) {
      assert.ok(status in (payV1.responses as Json), status);
    }
    const ok = (payV1.responses as Record<string, Json>)["200"];
    assert.deepEqual(
      Object.keys(ok.headers as Json).sort(),
      [
        "Deprecation",
        "ETag",
        "Link",
        "RateLimit",
        "RateLimit-Policy",
        "Sunset",
        "X-API-Version",
        "X-TMS-Position",
      ],
    );
    const amountV1 =
      ((payV1.requestBody as Json).content as Record<string, Json>)[
        "application/json"
      ].schema as { properties: Record<string, Json> };
    assert.equal(amountV1.properties.amount.type, "string");
    assert.ok(String(amountV1.properties.amount.pattern).includes("\\d"));
    const amountV2 =
      ((payV2.requestBody as Json).content as Record<string, Json>)[
        "application/json"
      ].schema as { properties: Record<string, Json> };
    assert.equal(amountV2.properties.amount.type, "object");
    const schemas =
      (doc.components as { schemas: Record<string, Json> }).schemas;
    const invoiceV1 = schemas.InvoiceV1 as { properties: Record<string, Json> };
    const invoiceV2 = schemas.InvoiceV2 as { properties: Record<string, Json> };
    assert.equal(invoiceV1.properties.utestaende.type, "string");
    assert.equal(invoiceV1.properties.utestaende.pattern, "^-?\\d+\\.\\d{2}$");
    assert.equal(invoiceV2.properties.utestaende.type, "object");
    assert.ok("_links" in invoiceV2.properties);
    assert.ok(!("_links" in invoiceV1.properties));
    const listV2 = schemas.InvoicePageV2 as { properties: Json };
    assert.ok("total" in listV2.properties);
    // Lists document X-TMS-Min-Position; creates their Location.
    const list = paths["/api/v2/invoices"].get;
    assert.ok(
      (list.parameters as Json[]).some((p) =>
        p.$ref === "#/components/parameters/X-TMS-Min-Position"
      ),
    );
    const created =
      (paths["/api/v2/invoices"].post.responses as Record<string, Json>)["201"];
    assert.ok("Location" in (created.headers as Json));
    // Every /api/ route may meet a rate limit: its 429 has the fields.
    const tooMany =
      (doc.components as { responses: Record<string, Json> }).responses
        .Problem429;
    assert.ok("RateLimit" in (tooMany.headers as Json));
    assert.ok("RateLimit-Policy" in (tooMany.headers as Json));
    assert.ok("429" in (list.responses as Json));
    assert.deepEqual(
      (doc.components as { securitySchemes: Json }).securitySchemes,
      {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            (doc.components as { securitySchemes: Record<string, Json> })
              .securitySchemes.bearerAuth.description,
        },
      },
    );
  } finally {
    await t.close();
  }
});

Deno.test("openapi: request validation comes from the declarations (422 with field paths, 400 malformed) in both versions", async () => {
  const t = await testApp();
  try {
    for (const version of ["v1", "v2"]) {
      const bad = await t.json("POST", `/api/${version}/bedrifter`, {
        organisasjonsnummer: "123",
        navn: "",
        extra: true,
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.headers.get("content-type"), "application/problem+json");
      const problem = await bad.json();
      assert.equal(problem.type, "/problems/validation-failed");
      const paths = problem.errors.map((e: { path: string }) => e.path);
      assert.ok(paths.includes("organisasjonsnummer"), paths);
      assert.ok(paths.includes("navn"), paths);
      const malformed = await t.app.request(`/api/${version}/bedrifter`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{ not json",
      });
      assert.equal(malformed.status, 400);
      assert.equal(
        (await malformed.json()).type,
        "/problems/malformed-request",
      );
      const query = await t.json(
        "GET",
        `/api/${version}/bedrifter/x?asOf=yesterday`,
      );
      assert.equal(query.status, 422);
      assert.equal((await query.json()).errors[0].path, "asOf");
    }
    // v2 money: a money object in another currency is refused at its field.
    const b = await (await t.json("POST", "/api/v2/bedrifter", {
      organisasjonsnummer: "923609016",
      navn: "Oslo Trafikkskole AS",
    })).json();
    const eur = await t.json(
      "PUT",
      `/api/v2/bedrifter/${b.id}/invoice-settings`,
      {
        purregebyr: { amount: "70.00", currency: "EUR" },
      },
    );
    assert.equal(eur.status, 422);
    assert.equal((await eur.json()).errors[0].path, "purregebyr.currency");
  } finally {
    await t.close();
  }
});

Deno.test("openapi: every problem type the document lists answers at its URI, as HTML or JSON", async () => {
  const t = await testApp();
  try {
    const doc = await documentOf(t.app);
    const types = doc["x-tms-problem-types"] as {
      type: string;
      title: string;
    }[];
    assert.ok(types.length > 20);
    for (const { type, title } of types) {
      const json = await t.app.request(type);
      assert.equal(json.status, 200, type);
      assert.equal((await json.json()).title, title);
    }
    const html = await t.app.request("/problems/invoice-overpayment", {
      headers: { accept: "text/html" },
    });
    assert.match(html.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await html.text(), /<h1>invoice: overpayment<\/h1>/);
    assert.equal((await t.app.request("/problems/no-such-thing")).status, 404);
    // A real problem's type is one of them.
    const res = await t.json("GET", "/api/v2/invoices/nope");
    const problem = await res.json();
    assert.ok(types.some((p) => p.type === problem.type), problem.type);
  } finally {
    await t.close();
  }
});
