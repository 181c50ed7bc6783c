/**
 * What the integration tests share: a nats-server admitting the TMS nodes'
 * user and the subscriber users of `deno task integration:credentials`, and
 * a day of a driving school sent through the edge (commands whose
 * integration events cover every type the domain emits but reminders), and
 * a reader of everything in `TMS_INTEGRATION`.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "../../deps.ts";
import type { NatsConnection } from "../../deps.ts";
import { IntegrationNames } from "../../runtime/core/mod.ts";
import { NatsServer } from "./nats_server.ts";
import { KONTONUMMER } from "./domain_app.ts";

/** The user and password the TMS nodes connect as. */
export const TMS_NATS_USER = { user: "tms", pass: "tms-secret" } as const;

/** A nats-server whose authorization block is `block` plus the TMS nodes' user. */
export async function natsServerWith(block: string): Promise<NatsServer> {
  const dir = await Deno.makeTempDir();
  const conf = `${dir}/nats.conf`;
  await Deno.writeTextFile(
    conf,
    block.replace(
      "users: [",
      `users: [\n    { user: "${TMS_NATS_USER.user}", password: "${TMS_NATS_USER.pass}" }`,
    ),
  );
  try {
    return await NatsServer.start({ args: ["-c", conf] });
  } finally {
    // The server has read its configuration by the time it is ready.
    await Deno.remove(dir, { recursive: true });
  }
}

/** The seed in the comment of a printed authorization block. */
export function seedOf(block: string): string {
  const seed = /^#\s+(SU[A-Z0-9]+)$/m.exec(block)?.[1];
  assert.ok(seed, "the block names the seed");
  return seed;
}

/** Sends one request of `/api/v1…` and answers its JSON (fails on a non-2xx). */
export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ id?: string } & Record<string, unknown>>;

/**
 * A bedrift registered, updated and suspended; an employee hired and
 * terminated; an invoice paid in two parts, another credited; a kontroll
 * passed and one failed.
 */
export async function aDrivingSchoolDay(call: ApiCall): Promise<void> {
  const b = (await call("POST", "/bedrifter", {
    organisasjonsnummer: "923609016",
    navn: "Oslo Trafikkskole AS",
    postnummer: "0150",
    poststed: "Oslo",
    epost: "post@oslotrafikk.no",
  })).id;
  await call("PATCH", `/bedrifter/${b}`, { adresse: "Storgata 1" });
  await call("PUT", `/bedrifter/${b}/invoice-settings`, {
    kontonummer: KONTONUMMER,
    fakturaPrefix: "F-",
  });
  const e = (await call("POST", "/employees", {
    bedriftId: b,
    ansattnummer: "1001",
    fornavn: "Kari",
    etternavn: "Nordmann",
    epost: "kari@example.no",
    role: "TRAFIKKLARER",
    licenceClasses: ["B"],
    stillingsprosent: 100,
    startDate: "2025-01-06",
  })).id;
  const invoice = async (kunde: Record<string, unknown>) => {
    const i = (await call("POST", "/invoices", { bedriftId: b, kunde })).id;
    await call("POST", `/invoices/${i}/lines`, {
      beskrivelse: "Kjøretime",
      antall: 2,
      enhetspris: "780.00",
      mvaSats: 25,
    });
    await call("POST", `/invoices/${i}/send`);
    return i;
  };
  const paid = await invoice({ navn: "Ola Hansen", kundenummer: "42" });
  await call("POST", `/invoices/${paid}/payments`, { amount: "500.00" });
  await call("POST", `/invoices/${paid}/payments`, { amount: "1450.00" });
  const credited = await invoice({
    navn: "Bygg AS",
    organisasjonsnummer: "974760673",
  });
  await call("POST", `/invoices/${credited}/credit`, { reason: "Avlyst" });
  const m = (await call("POST", "/kontroll-maler", {
    bedriftId: b,
    navn: "Klasse B",
    sjekkpunkter: [{
      id: "lys",
      tittel: "Lys",
      kind: "VISUELL",
      answerType: "CHECKBOX",
      licenceClass: "B",
    }],
  })).id;
  for (const passed of [true, false]) {
    const k = (await call("POST", "/kontroller", {
      malId: m,
      registreringsnummer: "EL 12345",
      instructorId: "laerer-1",
      learnerId: "elev-1",
    })).id;
    await call("POST", `/kontroller/${k}/points/lys`, { value: passed });
    await call("POST", `/kontroller/${k}/complete`);
  }
  await call("POST", `/employees/${e}/terminate`, { endDate: "2025-12-31" });
  await call("POST", `/bedrifter/${b}/status`, {
    status: "SUSPENDERT",
    reason: "Ber om pause",
  });
}

/** A message of `TMS_INTEGRATION` as stored. */
export interface StoredIntegrationMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: string;
}

/** Every message of `TMS_INTEGRATION`, in stream order. */
export async function readIntegrationStream(
  nc: NatsConnection,
): Promise<StoredIntegrationMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(IntegrationNames.stream);
  const messages: StoredIntegrationMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const msg = await jsm.streams.getMessage(IntegrationNames.stream, { seq });
    if (!msg) continue;
    const headers: Record<string, string> = {};
    for (const [name, values] of msg.header ?? []) headers[name] = values[0];
    messages.push({
      seq,
      subject: msg.subject,
      headers,
      data: new TextDecoder().decode(msg.data),
    });
  }
  return messages;
}
