/**
 * An example subscriber of the TMS integration events: what an integrator
 * writes, with nats.js and the official CloudEvents SDK. It connects as the
 * nkey user `deno task integration:credentials <name>` made, keeps a durable
 * **pull** consumer on `TMS_INTEGRATION` (explicit ack, `max_deliver`),
 * decodes every message as a CloudEvent (binary mode: `ce-*` headers, JSON
 * body), validates its data against the JSON Schema named by
 * `ce-dataschema`, hands it to `handle`, and acks it. A message `handle`
 * keeps failing is redelivered until `max_deliver`; the server's
 * max-deliveries advisory then makes it a dead letter (`onDeadLetter`). A
 * message that is no valid event is a dead letter at once. Delivery is
 * at-least-once: the same `ce-id` may come again, so it skips ids it
 * handled recently — a real subscriber keeps them with its own state.
 *
 * `tests/e2e/integration_subscriber_test.ts` runs it against a real node and
 * nats-server; `deno task check` type-checks it.
 *
 * @example
 * ```ts
 * const subscriber = await startSubscriber({
 *   servers: "nats://nats.example.no:4222",
 *   name: "acme",
 *   seed: await Deno.readTextFile("acme.seed"),
 *   handle: async (event) => console.log(event.type, event.subject, event.data),
 *   onDeadLetter: async (letter) => console.error("dead letter", letter),
 * });
 * // … later
 * await subscriber.stop();
 * ```
 *
 * Run it: `TMS_SUBSCRIBER_SEED=SU… deno run -A docs/integration/subscriber.ts
 * nats://127.0.0.1:4222 acme` prints each event as a JSON line.
 */
import {
  jetstream,
  jetstreamManager,
  loadAjv2020,
  loadCloudEvents,
  natsConnect,
  natsNkeyAuthenticator,
} from "../../deps.ts";
import type { JsMsg, NatsConnection } from "../../deps.ts";

const STREAM = "TMS_INTEGRATION";

/** A decoded integration event (a CloudEvent with JSON data). */
export interface IntegrationCloudEvent {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  dataschema: string;
  bedriftid: string;
  data: Record<string, unknown>;
}

/** A message set aside: never handled, with why. */
export interface DeadLetter {
  streamSeq: number;
  reason: "max_deliveries" | "invalid";
  detail: string;
  /** The event, when it could be decoded. */
  event: IntegrationCloudEvent | null;
  headers: Record<string, string>;
}

/** Options of `startSubscriber`. */
export interface SubscriberOptions {
  servers: string | string[];
  /** The user's name: its inbox prefix is `_INBOX_<name>`. */
  name: string;
  /** The nkey seed (`SU…`). */
  seed: string;
  /** The durable consumer (one the user may manage; default `name`). */
  consumer?: string;
  /** Only these subjects, e.g. `tms.int.<bedriftId>.>` (default all). */
  filterSubject?: string;
  /** Deliveries before a message is dead (default 5). */
  maxDeliver?: number;
  /** How long a delivery may go unacknowledged (default 30 s). */
  ackWaitMs?: number;
  /** Wait before a failed message comes again (default 1 s, doubling). */
  retryDelayMs?: number;
  /** Tries (every 0.5 s) while the stream does not exist yet (default 120). */
  startAttempts?: number;
  /** Handles one event; a throw means: deliver it again later. */
  handle(event: IntegrationCloudEvent): Promise<void>;
  onDeadLetter(letter: DeadLetter): Promise<void>;
  /** Reads a JSON Schema (default: `fetch` it). */
  loadSchema?(url: string): Promise<Record<string, unknown>>;
}

/** A running subscriber. */
export interface Subscriber {
  /** Events handled and acknowledged. */
  readonly handled: number;
  stop(): Promise<void>;
}

function headersOf(
  msg: { headers?: JsMsg["headers"] },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of msg.headers?.keys() ?? []) {
    out[key] = msg.headers!.get(key);
  }
  return out;
}

/** Starts consuming; resolves once the consumer and the advisory subscription exist. */
export async function startSubscriber(
  options: SubscriberOptions,
): Promise<Subscriber> {
  const consumerName = options.consumer ?? options.name;
  const nc: NatsConnection = await natsConnect({
    servers: options.servers,
    name: `tms-subscriber-${options.name}`,
    authenticator: await natsNkeyAuthenticator(
      new TextEncoder().encode(options.seed.trim()),
    ),
    inboxPrefix: `_INBOX_${options.name}`,
  });
  const { HTTP } = await loadCloudEvents();
  const Ajv = await loadAjv2020();
  const ajv = new Ajv({ strict: false });
  const validators = new Map<string, Promise<(data: unknown) => boolean>>();
  const loadSchema = options.loadSchema ?? (async (url: string) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return await res.json();
  });
  const validatorOf = (url: string) => {
    let validator = validators.get(url);
    if (!validator) {
      validator = loadSchema(url).then((schema) => ajv.compile(schema));
      validator.catch(() => validators.delete(url));
      validators.set(url, validator);
    }
    return validator;
  };

  /** The CloudEvent of a message, with its data validated; throws when it is none. */
  const decode = async (
    headers: Record<string, string>,
    data: Uint8Array,
  ): Promise<IntegrationCloudEvent> => {
    // Binary mode: attribute values are percent-encoded; decode, then the SDK reads them.
    const decoded = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, decodeURIComponent(v)]),
    );
    const event = HTTP.toEvent({
      headers: decoded,
      body: new TextDecoder().decode(data),
    }) as unknown as IntegrationCloudEvent;
    if (!event.dataschema) throw new Error("No ce-dataschema");
    const validate = await validatorOf(event.dataschema);
    if (!validate(event.data)) {
      throw new Error(
        `data does not match ${event.dataschema}: ${
          JSON.stringify((validate as unknown as { errors: unknown }).errors)
        }`,
      );
    }
    return event;
  };

  const jsm = await jetstreamManager(nc);
  // TMS creates the stream with its first event: until then, wait for it.
  for (let attempt = 1;; attempt++) {
    try {
      await jsm.consumers.add(STREAM, {
        durable_name: consumerName,
        ack_policy: "explicit" as never,
        deliver_policy: "all" as never,
        max_deliver: options.maxDeliver ?? 5,
        ack_wait: (options.ackWaitMs ?? 30_000) * 1_000_000,
        ...(options.filterSubject
          ? { filter_subject: options.filterSubject }
          : {}),
      });
      break;
    } catch (error) {
      const missing = error instanceof Error &&
        /stream not found/i.test(error.message);
      if (!missing || attempt >= (options.startAttempts ?? 120)) {
        await nc.close();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  // The server gave up on a message: read it from the stream, set it aside.
  const advisories = nc.subscribe(
    `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAM}.${consumerName}`,
  );
  const deadLettering = (async () => {
    for await (const advisory of advisories) {
      const { stream_seq: seq, deliveries } = advisory.json<
        { stream_seq: number; deliveries: number }
      >();
      const stored = await jsm.streams.getMessage(STREAM, { seq });
      const headers = stored ? headersOf({ headers: stored.header }) : {};
      const event = stored
        ? await decode(headers, stored.data).catch(() => null)
        : null;
      await options.onDeadLetter({
        streamSeq: seq,
        reason: "max_deliveries",
        detail: `not handled after ${deliveries} deliveries`,
        event,
        headers,
      });
    }
  })();

  const handledIds = new Set<string>();
  let handled = 0;
  const consumer = await jetstream(nc).consumers.get(STREAM, consumerName);
  const messages = await consumer.consume({ max_messages: 64 });
  const consuming = (async () => {
    for await (const msg of messages) {
      const headers = headersOf(msg);
      let event: IntegrationCloudEvent;
      try {
        event = await decode(headers, msg.data);
      } catch (error) {
        // Never valid, whatever the number of tries: dead at once.
        msg.term("not a valid integration event");
        await options.onDeadLetter({
          streamSeq: msg.seq,
          reason: "invalid",
          detail: error instanceof Error ? error.message : String(error),
          event: null,
          headers,
        });
        continue;
      }
      if (handledIds.has(event.id)) {
        msg.ack();
        continue;
      }
      try {
        await options.handle(event);
      } catch {
        const base = options.retryDelayMs ?? 1000;
        msg.nak(base * 2 ** Math.min(msg.info.deliveryCount - 1, 6));
        continue;
      }
      handledIds.add(event.id);
      if (handledIds.size > 10_000) {
        handledIds.delete(handledIds.values().next().value!);
      }
      handled++;
      // Wait for the server to take the ack: an ack lost in a disconnect
      // means a redelivery, which the ids above absorb.
      await msg.ackAck().catch(() => {});
    }
  })();

  return {
    get handled() {
      return handled;
    },
    async stop() {
      messages.stop();
      await consuming;
      advisories.unsubscribe();
      await deadLettering;
      await nc.drain();
    },
  };
}

if (import.meta.main) {
  const [servers = "nats://127.0.0.1:4222", name = "tms-subscriber"] =
    Deno.args;
  const seed = Deno.env.get("TMS_SUBSCRIBER_SEED");
  if (!seed) {
    console.error("Set TMS_SUBSCRIBER_SEED to the seed of your NATS user");
    Deno.exit(2);
  }
  const subscriber = await startSubscriber({
    servers: servers.split(","),
    name,
    seed,
    handle: (event) => {
      console.log(JSON.stringify(event));
      return Promise.resolve();
    },
    onDeadLetter: async (letter) => {
      await Deno.writeTextFile(
        "dead-letters.ndjson",
        JSON.stringify(letter) + "\n",
        { append: true },
      );
    },
  });
  Deno.addSignalListener("SIGINT", async () => {
    await subscriber.stop();
    Deno.exit(0);
  });
}
