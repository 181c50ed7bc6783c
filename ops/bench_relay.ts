/**
 * The integration relay's throughput, `relayBench()` (`deno task bench
 * relay`; `deno run -A ops/bench_relay.ts` runs it alone). Starts its own
 * nats-server (JetStream, temp store) and measures in one run:
 *
 * - baseline: raw pipelined JetStream publishes of commit-sized messages
 *   (nats.js, 256 in flight; the cluster section's), before and after;
 * - the relay: a Deno KV log holding invoices drafted, sent and paid (three
 *   integration events per invoice: sent, payment_registered, paid) relayed
 *   from position 0 by `FeedRelay` with the domain's mapping into
 *   `TMS_INTEGRATION` — mapping, CloudEvent headers, pipelined publishes,
 *   every ack awaited and the checkpoint stored per batch — as integration
 *   events per second and a ratio of the baseline.
 */
import { natsConnect } from "../deps.ts";
import { integrationMapper } from "../actors/integration/mod.ts";
import { invoiceEvent, kundeOf } from "../actors/invoice/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { FeedRelay, JetStreamIntegrationSink } from "../runtime/relay/mod.ts";
import { NatsServer } from "../tests/support/nats_server.ts";
import type { BenchRow } from "./bench_support.ts";
import { rawLeanPublish, rawPublish } from "./bench_cluster.ts";
import { ratio } from "./bench_support.ts";

const SECTION = "relay";

/** Options of the relay benchmark. */
export interface RelayBenchOptions {
  /** Invoices in the log (three integration events each; default 8 000). */
  invoices?: number;
  /** Seconds per baseline measurement (default 5). */
  seconds?: number;
  progress?: (message: string) => void;
}

const at = "2026-12-01T09:00:00.000Z";
const totals = {
  netto: "1560.00",
  mva: "390.00",
  brutto: "1950.00",
  perSats: [{ mvaSats: 25 as const, grunnlag: "1560.00", mva: "390.00" }],
};

/** Appends `invoices` invoices (draft; send; payment that pays it), concurrently. */
async function fill(log: KvEventLog, invoices: number): Promise<void> {
  const one = async (n: number) => {
    const id = `bench-${n}`;
    const commit = (version: number, events: unknown[]) =>
      log.append({
        type: "invoice",
        id,
        expectedVersion: version - 1,
        commandId: `${id}-${version}`,
        events: events as never,
      });
    await commit(1, [invoiceEvent("invoice.drafted", {
      bedriftId: `b${n % 50}`,
      kunde: kundeOf({ navn: "Kunde", kundenummer: String(n) }),
      at,
    })]);
    await commit(2, [invoiceEvent("invoice.sent", {
      kind: "FAKTURA",
      number: n + 1,
      fakturanummer: `F-${n + 1}`,
      kid: null,
      kidAlgoritme: "MOD10",
      fakturadato: "2026-12-01",
      forfallsdato: "2026-12-15",
      selger: {
        navn: "Bench Trafikkskole AS",
        organisasjonsnummer: "923609016",
        mvaRegistrert: true,
        kontonummer: "86011117947",
      },
      totals,
      at,
    })]);
    await commit(3, [
      invoiceEvent("invoice.payment_registered", {
        paymentId: `${id}-p`,
        amount: "1950.00",
        paidOn: "2026-12-02",
        reference: null,
        utestaende: "0.00",
        at,
      }),
      invoiceEvent("invoice.paid", {
        paidOn: "2026-12-02",
        betalt: "1950.00",
        at,
      }),
    ]);
  };
  const lanes = 64;
  await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
    for (let n = lane; n < invoices; n += lanes) await one(n);
  }));
}

/** The relay section's rows. */
export async function relayBench(
  options: RelayBenchOptions = {},
): Promise<BenchRow[]> {
  const progress = options.progress ?? ((m) => console.error(`[bench] ${m}`));
  const seconds = options.seconds ?? 5;
  const invoices = options.invoices ?? 8_000;
  const nats = await NatsServer.start();
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-relay-" });
  try {
    progress(`${SECTION}: ${invoices} invoices into a Deno KV log`);
    const log = await KvEventLog.open(`${dir}/events.kv`);
    await fill(log, invoices);
    const head = await log.headPosition();
    progress(`${SECTION}: raw pipelined JetStream publishes (baseline, 1/2)`);
    const before = await rawPublish(nats.url, seconds);
    progress(`${SECTION}: the relay from position 0 to ${head}`);
    const nc = await natsConnect({ servers: nats.url, noAsyncTraces: true });
    const sink = new JetStreamIntegrationSink(nc, {
      source: "/tms/bench",
      dataschema: (type) => `http://localhost:8000/${type}.json`,
    });
    const relay = new FeedRelay({
      log,
      checkpoints: log.checkpoints(),
      mapper: integrationMapper,
      sink,
    });
    const started = performance.now();
    await relay.start();
    await relay.waitFor(head);
    const elapsed = (performance.now() - started) / 1000;
    const status = relay.status();
    await relay.stop();
    await sink.close();
    await nc.close();
    await log.close();
    progress(`${SECTION}: raw pipelined JetStream publishes (baseline, 2/2)`);
    const after = await rawPublish(nats.url, seconds);
    const lean = await rawLeanPublish(nats.url, seconds);
    const raw = (before.rate + after.rate) / 2;
    const rate = status.published / elapsed;
    return [
      {
        section: SECTION,
        name:
          "raw pipelined JetStream publish (nats.js, 256 in flight, mean of 2 runs) — baseline",
        value: raw,
        unit: "msgs/s",
        ratio: "1.00×",
      },
      {
        section: SECTION,
        name:
          `integration relay: Deno KV log → TMS_INTEGRATION (${status.published} events of ${head} commits, CloudEvents, batches of 500 commits, every ack and checkpoint awaited)`,
        value: rate,
        unit: "events/s",
        ratio: ratio(rate, raw),
      },
      {
        section: SECTION,
        name:
          "raw pipelined publish through TMS's publisher (the relay's publish path, 256 in flight)",
        value: lean.rate,
        unit: "msgs/s",
        ratio: ratio(lean.rate, raw),
      },
      {
        section: SECTION,
        name: "integration relay as a ratio of TMS's publisher",
        value: rate,
        unit: "events/s",
        ratio: ratio(rate, lean.rate),
      },
    ];
  } finally {
    await nats.dispose();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  for (const row of await relayBench()) {
    console.log(
      `${row.name}: ${row.value.toFixed(0)} ${row.unit} ${row.ratio ?? ""}`,
    );
  }
}
