/**
 * The sealing table against the masking table and the event schemas: every
 * name, e-mail, phone and free text an event carries is sealed in the log
 * (a new event type with personal data cannot be forgotten), every sealed
 * path is a field of its event; and through a real node's log, what is
 * stored holds none of it in clear.
 */
import assert from "node:assert/strict";
import {
  domainEventLog,
  PERSONAL_FIELDS,
  PersonalData,
  registerActors,
} from "../../../actors/mod.ts";
import {
  SEALED_EVENTS,
  SEALED_SNAPSHOTS,
  UNSEALED_RECORDS,
} from "../../../actors/gdpr/mod.ts";
import { EMPLOYEE, hireEmployee } from "../../../actors/employee/mod.ts";
import {
  creditInvoice,
  INVOICE,
  sendInvoice,
} from "../../../actors/invoice/mod.ts";
import type { InvoiceState } from "../../../actors/invoice/mod.ts";
import { EVENT_DATA_SCHEMAS } from "../../../schemas/mod.ts";
import { z } from "../../../deps.ts";
import { ActorSystem } from "../../../runtime/actor/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import {
  isEncryptedValue,
  MemoryKeyStore,
} from "../../../runtime/storage/mod.ts";
import {
  bedriftWithSettings,
  draftWithLine,
} from "../../support/domain_app.ts";

const SHOWN_IN_CLEAR: readonly string[] = [
  PersonalData.name,
  PersonalData.email,
  PersonalData.phone,
  PersonalData.text,
];

Deno.test("sealing: every personal field of every event type is sealed in the log", () => {
  const missing: string[] = [];
  for (const [type, fields] of Object.entries(PERSONAL_FIELDS)) {
    for (const [path, kind] of Object.entries(fields)) {
      // Encrypted by the flow before the command, or a secret (a hash).
      if (kind === PersonalData.encrypted || kind === PersonalData.secret) {
        continue;
      }
      const sealed = SEALED_EVENTS[type]?.paths ?? [];
      const need = kind === PersonalData.fodselsnummer
        ? `${path}.masked`
        : path;
      assert.ok(
        SHOWN_IN_CLEAR.includes(kind) ||
          kind === PersonalData.fodselsnummer,
        `${type} ${path}: unknown kind ${kind}`,
      );
      // A bookkeeping record kept in clear, each named with its reason.
      const kept = (UNSEALED_RECORDS as Record<string, readonly string[]>)[
        type
      ] ?? [];
      if (kind === PersonalData.text && kept.includes(path)) continue;
      if (!sealed.includes(need)) missing.push(`${type} ${need}`);
    }
  }
  assert.deepEqual(missing, []);
  // Snapshots of every aggregate whose events are sealed are sealed too.
  const sealedTypes = new Set(
    Object.keys(SEALED_EVENTS).map((t) => t.split(".")[0]),
  );
  for (const aggregate of sealedTypes) {
    assert.ok(aggregate in SEALED_SNAPSHOTS, `snapshots of ${aggregate}`);
  }
});

/** The schema of `path` in an event's data schema, or undefined. */
function fieldSchema(schema: z.ZodType, path: string): z.ZodType | undefined {
  let node: z.ZodType | undefined = schema;
  for (const part of path.split(".")) {
    while (node && "unwrap" in node && typeof node.unwrap === "function") {
      node = (node as { unwrap(): z.ZodType }).unwrap();
    }
    node = (node as { shape?: Record<string, z.ZodType> } | undefined)
      ?.shape?.[part];
  }
  return node;
}

Deno.test("sealing: every sealed path is a nullable string field of its event", () => {
  for (const [type, fields] of Object.entries(SEALED_EVENTS)) {
    const schema = EVENT_DATA_SCHEMAS[type as keyof typeof EVENT_DATA_SCHEMAS];
    assert.ok(schema, `${type} has a schema`);
    for (const path of fields!.paths) {
      const field = fieldSchema(schema, path);
      assert.ok(field, `${type} ${path} is a field of its schema`);
      // Erased fields read as null, so the schema must allow it.
      assert.ok(field.safeParse(null).success, `${type} ${path} may be null`);
      assert.ok(field.safeParse("Kari").success, `${type} ${path} is text`);
    }
  }
});

Deno.test("sealing: a node's log stores no name, e-mail, phone or fødselsnummer of a person in clear; a business customer stays as it is", async () => {
  const stored = new MemoryEventLog();
  const keys = new MemoryKeyStore();
  const system = registerActors(
    new ActorSystem({ log: domainEventLog(stored, keys) }),
  );
  try {
    const at = "2025-01-02T09:00:00.000Z";
    const b = await bedriftWithSettings(system, "b1", "923609016");
    await hireEmployee(system, keys, {
      id: "e1",
      bedriftId: b,
      ansattnummer: "1001",
      fornavn: "Kari",
      etternavn: "Nordmannsen",
      epost: "kari.nordmannsen@example.no",
      telefon: "+4791234567",
      role: "TRAFIKKLARER",
      stillingsprosent: 100,
      startDate: "2025-01-06",
      fodselsnummer: "01010012356",
      at,
    });
    await system.ask(EMPLOYEE, "e1", {
      type: "register_absence",
      absenceId: "a1",
      kind: "SYKMELDING",
      fromDate: "2025-02-03",
      toDate: "2025-02-05",
      note: "Ryggvondt",
      at,
    });
    await draftWithLine(system, "i1", b, {
      navn: "Per Personsen",
      epost: "per@example.no",
      kundenummer: "42",
    });
    await draftWithLine(system, "i2", b, {
      navn: "Bilforhandler AS",
      organisasjonsnummer: "974760673",
    });
    await draftWithLine(system, "i3", b, { navn: "Ola Utennummer" });
    await sendInvoice(system, { id: "i3", at });
    const credit = await creditInvoice(system, { id: "i3", at });

    const raw = JSON.stringify(await stored.readFeed(0, 1000));
    for (
      const secret of [
        "Nordmannsen",
        "kari.nordmannsen@",
        "91234567",
        "01010012356",
        "010100",
        "Ryggvondt",
        "Personsen",
        "per@example.no",
        "Utennummer",
      ]
    ) {
      assert.ok(!raw.includes(secret), `the stored log holds ${secret}`);
    }
    assert.ok(raw.includes("Bilforhandler AS"), "a business is no person");
    // What the keys are: an employee's id, a kunde per kundenummer, an
    // invoice (and its credit note) without one.
    const drafts = (await stored.readFeed(0, 1000)).filter((c) =>
      c.events[0]?.type === "invoice.drafted"
    );
    const keyOf = (id: string) => {
      const navn = (drafts.find((c) => c.id === id)!.events[0].data as {
        kunde: { navn: unknown };
      }).kunde.navn;
      return isEncryptedValue(navn) ? navn.keyId.split(":")[0] : navn;
    };
    assert.equal(keyOf("i1"), "kunde-b1-42");
    assert.equal(keyOf("i2"), "Bilforhandler AS");
    assert.equal(keyOf("i3"), "faktura-i3");
    assert.equal(keyOf(credit.creditNoteId), "faktura-i3");
    // Read through the node's log, everything is there.
    const { state } = await system.read<InvoiceState>(INVOICE, "i1");
    assert.equal(state.kunde.navn, "Per Personsen");
  } finally {
    await system.shutdown();
  }
});
