/**
 * The `reports` section of `deno task bench`: report latency over a year of
 * one school. A year of events — invoices (sent, paid in full or in part,
 * reminded, a few credited) and expenses (approved, most paid) — is made by
 * the deciders themselves and appended to a Deno KV log, projected into the
 * general ledger in PGlite (in its worker, as an embedded node runs it),
 * then `income`, `mva` and `receivables` are requested many times through
 * the edge (in-process `app.request`, no sockets), alternating with two
 * baselines measured in the same run: a trivial GET of the same read model
 * (the journal's first entry) and a plain `SELECT count(*)` of the
 * school's ledger lines straight from the store.
 */
import { withDomainUpcasters } from "../actors/mod.ts";
import {
  consumerReminderFeeCap,
  DEFAULT_RATES,
  invoiceBalance,
  invoiceDecider,
  invoiceKid,
} from "../actors/invoice/mod.ts";
import type {
  InvoiceCommand,
  InvoiceState,
  Selger,
} from "../actors/invoice/mod.ts";
import { expenseDecider, ExpenseKategori } from "../actors/expense/mod.ts";
import type { ExpenseCommand } from "../actors/expense/mod.ts";
import { ledgerProjection } from "../actors/ledger/mod.ts";
import { addDays } from "../actors/validators/mod.ts";
import { createApp } from "../http/mod.ts";
import type { EdgeAuth } from "../http/mod.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import type {
  AppendRequest,
  Decider,
  DomainEvent,
  EventLog,
} from "../runtime/core/mod.ts";
import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { ProjectionEngine } from "../runtime/projection/mod.ts";
import { openSqlStore } from "../runtime/sql/mod.ts";
import { organisasjonsnummerFor } from "./orgnr.ts";
import { ratio } from "./bench_support.ts";

/** One figure of the section. */
export interface ReportsBenchRow {
  name: string;
  value: number;
  unit: string;
  ratio?: string;
}

/** Sizes of the section; every field has a default. */
export interface ReportsBenchOptions {
  /** Invoices in the year (default 5,000). */
  invoices?: number;
  /** Expenses in the year (default 2,000). */
  expenses?: number;
  /** Timed requests per endpoint (default 300), after 20 of warm-up. */
  requests?: number;
  progress?: (message: string) => void;
}

const BEDRIFT = "bench-reports-school";
const YEAR = 2025;

/** A pseudo-random sequence, the same every run. */
function seeded(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

/** Streams of commits made by deciders: each command's events one commit. */
class Streams {
  readonly requests = new Map<string, AppendRequest[]>();
  readonly #states = new Map<string, { version: number; state: unknown }>();

  run<C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    type: string,
    id: string,
    command: C,
  ): S {
    const key = `${type}/${id}`;
    const current = this.#states.get(key) ??
      { version: 0, state: decider.initialState };
    const events = decider.decide(command, current.state as S);
    const state = events.reduce(decider.evolve, current.state as S);
    if (events.length > 0) {
      const list = this.requests.get(key) ?? [];
      list.push({
        type,
        id,
        expectedVersion: current.version,
        commandId: `bench:${key}:${current.version + 1}`,
        events,
      });
      this.requests.set(key, list);
      this.#states.set(key, { version: current.version + 1, state });
    }
    return state;
  }

  get commits(): number {
    let n = 0;
    for (const list of this.requests.values()) n += list.length;
    return n;
  }

  /** Appends every stream's commits in order, `concurrency` streams at a time. */
  async append(log: EventLog, concurrency = 32): Promise<void> {
    const queue = [...this.requests.values()];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let list = queue.pop(); list; list = queue.pop()) {
          for (const request of list) await log.append(request);
        }
      }),
    );
  }
}

const noon = (date: string) => `${date}T11:00:00.000Z`;
const dayOfYear = (n: number) => addDays(`${YEAR}-01-01`, n);

/** A year of one school, made by the invoice and expense deciders. */
export function schoolYear(invoices: number, expenses: number): Streams {
  const random = seeded(2025);
  const streams = new Streams();
  let orgnr: string | null = null;
  for (let seed = 4242; !orgnr; seed++) orgnr = organisasjonsnummerFor(seed);
  const selger: Selger = {
    navn: "Benk Trafikkskole AS",
    organisasjonsnummer: orgnr,
    mvaRegistrert: true,
    kontonummer: "86011117947",
  };
  const invoice = (id: string, command: InvoiceCommand) =>
    streams.run(invoiceDecider, "invoice", id, command) as InvoiceState;
  const rates = [25, 25, 25, 25, 25, 25, 0, 15, 12];
  let number = 1000;
  for (let i = 0; i < invoices; i++) {
    const id = `bench-inv-${i}`;
    const day = dayOfYear(Math.floor(i * 364 / invoices));
    invoice(id, {
      type: "draft",
      bedriftId: BEDRIFT,
      kunde: { navn: `Elev ${i}` },
      at: noon(day),
    });
    for (let l = 0; l < 1 + random(3); l++) {
      invoice(id, {
        type: "add_line",
        lineId: `l${l}`,
        beskrivelse: "Kjøretime 45 min",
        antall: String(1 + random(4)),
        enhetspris: `${650 + random(300)}.00`,
        mvaSats: rates[random(rates.length)],
        at: noon(day),
      });
    }
    number++;
    const forfallsdato = addDays(day, 14);
    let state = invoice(id, {
      type: "send",
      number,
      fakturanummer: `F-${number}`,
      kid: invoiceKid(null, number, "MOD10"),
      kidAlgoritme: "MOD10",
      fakturadato: day,
      forfallsdato,
      selger,
      at: noon(day),
    });
    const fate = random(100);
    if (fate < 70) {
      // Paid in full within a month.
      const paidOn = addDays(day, 3 + random(25));
      if (paidOn <= `${YEAR}-12-31`) {
        invoice(id, {
          type: "register_payment",
          paymentId: `${id}-p1`,
          amount: invoiceBalance(state).utestaende,
          paidOn,
          at: noon(paidOn),
        });
      }
    } else if (fate < 85) {
      const paidOn = addDays(day, 10);
      const part = (Number(state.totals.brutto) / 2).toFixed(2);
      state = invoice(id, {
        type: "register_payment",
        paymentId: `${id}-p1`,
        amount: part,
        paidOn,
        at: noon(paidOn),
      });
    }
    const on = addDays(forfallsdato, 20);
    if (fate >= 70 && fate < 98 && on <= `${YEAR}-12-31`) {
      invoice(id, {
        type: "remind",
        on,
        purregebyr: "70.00",
        gebyrTak: consumerReminderFeeCap(DEFAULT_RATES, on),
        renteSatser: DEFAULT_RATES.forsinkelsesrente,
        at: noon(on),
      });
    } else if (fate >= 98) {
      // Credited by a credit note of its own number.
      const noteId = `${id}-kreditnota`;
      const original = { invoiceId: id, number, fakturanummer: `F-${number}` };
      invoice(noteId, {
        type: "create_credit_note",
        bedriftId: BEDRIFT,
        kunde: state.kunde,
        original,
        lines: state.lines,
        at: noon(day),
      });
      number++;
      const note = invoice(noteId, {
        type: "send",
        number,
        fakturanummer: `F-${number}`,
        kid: null,
        kidAlgoritme: "MOD10",
        fakturadato: day,
        forfallsdato: day,
        selger,
        at: noon(day),
      });
      invoice(id, {
        type: "credit",
        creditNote: {
          invoiceId: noteId,
          number: note.sent!.number,
          fakturanummer: note.sent!.fakturanummer,
        },
        at: noon(day),
      });
    }
  }
  const kategorier = Object.values(ExpenseKategori);
  for (let i = 0; i < expenses; i++) {
    const id = `bench-exp-${i}`;
    const dato = dayOfYear(Math.floor(i * 364 / expenses));
    const expense = (command: ExpenseCommand) =>
      streams.run(expenseDecider, "expense", id, command);
    expense({
      type: "register",
      bedriftId: BEDRIFT,
      leverandor: { navn: `Leverandør ${random(40)}` },
      dato,
      belop: `${100 + random(9000)}.${String(random(100)).padStart(2, "0")}`,
      mvaSats: rates[random(rates.length)],
      kategori: kategorier[random(kategorier.length)],
      at: noon(dato),
    });
    expense({ type: "approve", mvaRegistrert: true, at: noon(dato) });
    const paidOn = addDays(dato, 14);
    if (random(10) < 9 && paidOn <= `${YEAR}-12-31`) {
      expense({ type: "pay", paidOn, at: noon(paidOn) });
    }
  }
  return streams;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** Report latency over a year of one school; p99 against the baselines. */
export async function benchReports(
  options: ReportsBenchOptions = {},
): Promise<ReportsBenchRow[]> {
  const o = {
    invoices: options.invoices ?? 5000,
    expenses: options.expenses ?? 2000,
    requests: options.requests ?? 300,
  };
  const progress = options.progress ?? (() => {});
  const dir = await Deno.makeTempDir({ prefix: "tms-bench-reports-" });
  const log = withDomainUpcasters(await KvEventLog.open(`${dir}/events.kv`));
  const store = await openSqlStore({ dataDir: `${dir}/readmodel` });
  const system = new ActorSystem({ log });
  const engine = new ProjectionEngine({
    store,
    log,
    projections: [ledgerProjection],
    lingerMs: 0,
  });
  try {
    const streams = schoolYear(o.invoices, o.expenses);
    progress(
      `reports: appending a year of one school (${o.invoices} invoices, ${o.expenses} expenses: ${streams.commits} commits)`,
    );
    await streams.append(log);
    const head = await log.headPosition();
    let started = performance.now();
    await engine.start();
    await engine.waitFor(head);
    const projectedMs = performance.now() - started;
    const [{ n: lines }] = await store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ledger_lines",
    );
    progress(
      `reports: ledger projected (${lines} lines) in ${
        (projectedMs / 1000).toFixed(1)
      } s; timing ${o.requests} requests per endpoint`,
    );
    const app = createApp({
      system,
      // In-process and ADMIN for every request: the bench times the report,
      // not token verification (as TMS_AUTH=off does for the http section).
      auth: { enabled: false } as EdgeAuth,
      readSide: { store, positions: engine },
    });
    const get = (path: string) => async () => {
      const res = await app.request(path);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    };
    const q = `bedriftId=${BEDRIFT}`;
    const endpoints: [string, () => Promise<unknown>][] = [
      [
        "trivial GET of the ledger read model (first journal entry) — baseline",
        get(`/api/v1/ledger/entries?${q}&limit=1`),
      ],
      [
        "SELECT count(*) of the school's ledger lines, straight from the store",
        () =>
          store.query(
            "SELECT count(*) FROM ledger_lines WHERE bedrift_id = $1::text",
            [BEDRIFT],
          ),
      ],
      [
        "GET /reports/income (the year)",
        get(`/api/v1/reports/income?${q}&from=${YEAR}-01-01&to=${YEAR}-12-31`),
      ],
      [
        "GET /reports/mva (term 3)",
        get(`/api/v1/reports/mva?${q}&year=${YEAR}&term=3`),
      ],
      [
        "GET /reports/receivables (31 December)",
        get(`/api/v1/reports/receivables?${q}&date=${YEAR}-12-31`),
      ],
    ];
    const timings = endpoints.map(() => [] as number[]);
    for (let round = 0; round < o.requests + 20; round++) {
      // Round-robin, so a stall of the shared machine hits every endpoint.
      for (const [i, [, run]] of endpoints.entries()) {
        started = performance.now();
        await run();
        if (round >= 20) timings[i].push(performance.now() - started);
      }
    }
    const stats = timings.map((t) => {
      const sorted = [...t].sort((a, b) => a - b);
      return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
    });
    const baseline = stats[0].p99;
    const rows: ReportsBenchRow[] = [{
      name:
        `ledger projection of the year (${streams.commits} commits → ${lines} lines, PGlite in its worker)`,
      value: streams.commits / (projectedMs / 1000),
      unit: "commits/s",
    }];
    for (const [i, [name]] of endpoints.entries()) {
      rows.push({
        name: `${name}, p99 (p50 ${stats[i].p50.toFixed(2)} ms)`,
        value: stats[i].p99,
        unit: "ms",
        ratio: i === 0 ? "1.00×" : ratio(stats[i].p99, baseline),
      });
    }
    return rows;
  } finally {
    await engine.stop();
    await system.shutdown();
    await store.close();
    await log.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
