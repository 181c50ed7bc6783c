/**
 * A small typed client of TMS API v2, written against the types that
 * `openapi-typescript` generated from the OpenAPI document
 * (`deno task docs:client` → `tms_v2.ts`). `deno task check` type-checks
 * it, and `tests/http/docs_client_test.ts` runs it against a node: if the
 * document stopped describing the API, one of them fails.
 *
 * @example
 * ```ts
 * const tms = new TmsClient("http://localhost:8000", token);
 * const draft = await tms.draftInvoice({ bedriftId, kunde: { navn: "Kari" } });
 * const withLine = await tms.addLine(draft.id, {
 *   beskrivelse: "Kjøretime", antall: 1, mvaSats: 25,
 *   enhetspris: { amount: "650.00", currency: "NOK" },
 * });
 * console.log(withLine.totals.brutto.amount); // "812.50"
 * ```
 */
import type { components, operations } from "./tms_v2.ts";

/** An invoice as v2 answers it. */
export type Invoice = components["schemas"]["InvoiceV2"];
/** A page of `GET /api/v2/invoices`. */
export type InvoicePage = components["schemas"]["InvoicePageV2"];
/** Money in v2. */
export type Money = Invoice["utestaende"];

type JsonBody<O extends keyof operations> = operations[O] extends {
  requestBody?: { content: { "application/json": infer B } };
} ? B
  : never;
type Query<O extends keyof operations> = operations[O] extends {
  parameters: { query?: infer Q };
} ? NonNullable<Q>
  : never;

/** An RFC 9457 problem the API answered with. */
export class TmsProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: components["schemas"]["Problem"],
  ) {
    super(`${status} ${problem.title}`);
  }
}

/** Typed calls of a few v2 routes (login, bedrifter, invoices). */
export class TmsClient {
  constructor(readonly baseUrl: string, public token: string | null = null) {}

  async #call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = res.status === 204 ? null : await res.json();
    if (!res.ok) throw new TmsProblem(res.status, json);
    return json as T;
  }

  /** Logs in; later calls send the access token. */
  async login(
    body: JsonBody<"loginV2">,
  ): Promise<components["schemas"]["TokenPairV2"]> {
    const pair = await this.#call<components["schemas"]["TokenPairV2"]>(
      "POST",
      "/api/v2/auth/login",
      body,
    );
    this.token = pair.accessToken;
    return pair;
  }

  registerBedrift(
    body: JsonBody<"registerBedriftV2">,
    idempotencyKey?: string,
  ): Promise<components["schemas"]["BedriftV2"]> {
    return this.#call(
      "POST",
      "/api/v2/bedrifter",
      body,
      idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {},
    );
  }

  draftInvoice(body: JsonBody<"draftInvoiceV2">): Promise<Invoice> {
    return this.#call("POST", "/api/v2/invoices", body);
  }

  addLine(id: string, body: JsonBody<"addInvoiceLineV2">): Promise<Invoice> {
    return this.#call(
      "POST",
      `/api/v2/invoices/${encodeURIComponent(id)}/lines`,
      body,
    );
  }

  /** The invoice now, or as it was (`asOf`: a version or an ISO instant). */
  getInvoice(id: string, query: Query<"getInvoiceV2"> = {}): Promise<Invoice> {
    const search = new URLSearchParams(query as Record<string, string>);
    return this.#call(
      "GET",
      `/api/v2/invoices/${encodeURIComponent(id)}${
        search.size ? `?${search}` : ""
      }`,
    );
  }

  listInvoices(query: Query<"listInvoicesV2"> = {}): Promise<InvoicePage> {
    const search = new URLSearchParams(
      Object.entries(query).map(([k, v]) => [k, String(v)]),
    );
    return this.#call("GET", `/api/v2/invoices?${search}`);
  }
}

/** The sum of some amounts, exact to the øre (amounts are decimal strings). */
export function total(amounts: readonly Money[]): Money {
  const ore = amounts.reduce(
    (sum, m) => sum + BigInt(m.amount.replace(".", "")),
    0n,
  );
  const sign = ore < 0n ? "-" : "";
  const abs = (ore < 0n ? -ore : ore).toString().padStart(3, "0");
  return {
    amount: `${sign}${abs.slice(0, -2)}.${abs.slice(-2)}`,
    currency: "NOK",
  };
}
