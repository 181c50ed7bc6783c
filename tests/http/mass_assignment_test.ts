/**
 * Mass assignment (OWASP API3): a body that sets a field the route does not
 * take — `status` or `bedriftId` of an existing aggregate, an
 * organisasjonsnummer — is refused whole with 422 naming the field's path,
 * whatever the role (a role the route refuses gets its 403 first), and
 * nothing of it is applied.
 */
import assert from "node:assert/strict";
import { ROUTE_POLICIES } from "../../http/policy.ts";
import type { UserRole } from "../../actors/user/mod.ts";
import { apiEdge } from "../support/api_edge.ts";
import { apiObjects } from "../support/api_objects.ts";

const ROLES: UserRole[] = ["ADMIN", "HOVEDBRUKER", "OKONOMI", "TRAFIKKLARER"];

Deno.test("mass assignment: status, bedriftId and other fixed fields are 422 with their path for every role", async () => {
  const e = await apiEdge({ readModels: false });
  try {
    const { A, B, employee, user, mal, invoice } = await apiObjects(e);
    const tokens = Object.fromEntries(
      await Promise.all(ROLES.map(async (role) => [
        role,
        role === "ADMIN" ? e.admin : await e.tokenFor(role, A),
      ])),
    ) as Record<UserRole, string>;

    const cases: {
      policy: string;
      method: string;
      path: string;
      body: Record<string, unknown>;
      forbidden: string[];
    }[] = [
      {
        policy: "PATCH /bedrifter/:id",
        method: "PATCH",
        path: `/api/v2/bedrifter/${A}`,
        body: { poststed: "BERGEN", status: "AVVIKLET" },
        forbidden: ["status"],
      },
      {
        policy: "PATCH /bedrifter/:id",
        method: "PATCH",
        path: `/api/v2/bedrifter/${A}`,
        body: { organisasjonsnummer: "915933149", id: B },
        forbidden: ["organisasjonsnummer", "id"],
      },
      {
        policy: "PUT /bedrifter/:id/invoice-settings",
        method: "PUT",
        path: `/api/v2/bedrifter/${A}/invoice-settings`,
        body: { purregebyr: "70.00", bedriftId: B },
        forbidden: ["bedriftId"],
      },
      {
        policy: "PATCH /employees/:id",
        method: "PATCH",
        path: `/api/v2/employees/${employee}`,
        body: { stillingsprosent: 50, bedriftId: B },
        forbidden: ["bedriftId"],
      },
      {
        policy: "PATCH /employees/:id",
        method: "PATCH",
        path: `/api/v2/employees/${employee}`,
        body: { status: "TERMINATED", role: "HOVEDBRUKER" },
        forbidden: ["status", "role"],
      },
      {
        policy: "PATCH /users/:id",
        method: "PATCH",
        path: `/api/v2/users/${user}`,
        body: { bedriftId: B, status: "DISABLED" },
        forbidden: ["bedriftId", "status"],
      },
      {
        policy: "PATCH /kontroll-maler/:id",
        method: "PATCH",
        path: `/api/v2/kontroll-maler/${mal}`,
        body: { navn: "Ny", bedriftId: B },
        forbidden: ["bedriftId"],
      },
      {
        policy: "POST /invoices/:id/lines",
        method: "POST",
        path: `/api/v2/invoices/${invoice}/lines`,
        body: {
          beskrivelse: "Kjøretime",
          antall: 1,
          enhetspris: { amount: "650.00", currency: "NOK" },
          mvaSats: 25,
          status: "BETALT",
        },
        forbidden: ["status"],
      },
    ];
    const before = await Promise.all(
      cases.map(async (c) =>
        JSON.stringify(
          (await e.ok("GET", c.path.replace(/\/(lines|invoice-settings)$/, "")))
            .body,
        )
      ),
    );
    for (const c of cases) {
      const allowed = ROUTE_POLICIES[c.policy].roles as readonly string[];
      for (const role of ROLES) {
        const res = await e.call(c.method, c.path, c.body, {}, tokens[role]);
        const label = `${c.method} ${c.path} ${
          JSON.stringify(c.body)
        } as ${role}`;
        if (!allowed.includes(role)) {
          assert.equal(res.status, 403, label);
          continue;
        }
        assert.equal(res.status, 422, `${label}: ${JSON.stringify(res.body)}`);
        assert.equal(
          res.headers.get("content-type"),
          "application/problem+json",
        );
        const paths = (res.body.errors as { path: string }[]).map((x) =>
          x.path
        );
        for (const field of c.forbidden) {
          assert.ok(paths.includes(field), `${label}: ${paths}`);
        }
      }
    }
    // Nothing was applied.
    const after = await Promise.all(
      cases.map(async (c) =>
        JSON.stringify(
          (await e.ok("GET", c.path.replace(/\/(lines|invoice-settings)$/, "")))
            .body,
        )
      ),
    );
    assert.deepEqual(after, before);
  } finally {
    await e.close();
  }
});
