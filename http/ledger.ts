/**
 * `/api/v<n>/ledger`: the general ledger on NS 4102 — the journal entries
 * (each balanced, with the commit it was posted from) and every account's
 * balance at a date — from the `ledger` read model.
 */
import { Decimal } from "../deps.ts";
import type { Context } from "../deps.ts";
import { DomainError } from "../runtime/core/mod.ts";
import {
  accountBalances,
  LEDGER_PROJECTION,
  LedgerErrorCode,
  listEntries,
} from "../actors/ledger/mod.ts";
import type {
  LedgerEntryFilter,
  LedgerEntryItem,
} from "../actors/ledger/mod.ts";
import { osloDay } from "../actors/validators/mod.ts";
import {
  AccountBalancesView,
  AtDateQuery,
  LedgerEntriesQuery,
  LedgerEntryView,
} from "../schemas/mod.ts";
import type { EdgeDeps } from "./context.ts";
import { fromReadModel, listRoute } from "./queries.ts";
import { page, reply, resource } from "./representation.ts";
import { READ_PROBLEMS, RouteGroup } from "./route.ts";

/**
 * The bedrift a report or balance is about: a bedrift's user always gets
 * its own (whatever it asks for, as every list); a platform ADMIN must name
 * one (422).
 */
export function reportBedrift(c: Context, given: string | undefined): string {
  const tenant = c.get("principal")?.tenant ?? null;
  if (tenant !== null) return tenant;
  if (!given) {
    throw new DomainError(
      LedgerErrorCode.BEDRIFT_REQUIRED,
      "Name the bedrift: bedriftId is required for a platform ADMIN",
      { status: 422 },
    );
  }
  return given;
}

/** Today in Norway, `YYYY-MM-DD`. */
export function today(): string {
  return osloDay(Date.now());
}

/** A page of `GET /ledger/entries`. */
export const LedgerEntryPage = page(
  "LedgerEntryPage",
  resource<LedgerEntryItem>("LedgerEntry", LedgerEntryView),
);

/** The answer of `GET /ledger/accounts`. */
export const AccountBalancesRep = resource<unknown>(
  "AccountBalances",
  AccountBalancesView,
);

/** Routes of `/api/v<n>/ledger`. */
export function ledgerRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Ledger",
    description:
      "The general ledger (hovedbok) on NS 4102, posted from the feed: every sent invoice, payment, reminder, credit note and approved or paid expense as a balanced entry (account map: docs/ledger.md)",
    base: "/ledger",
    versioned: true,
  });

  listRoute(group, deps.readSide, {
    path: "/entries",
    operationId: "listLedgerEntries",
    summary: "The journal: entries in posting order, with their lines",
    description:
      "Filters: booking date `from`/`to`, `account` (entries with a line on it).",
    rep: LedgerEntryPage,
    projection: LEDGER_PROJECTION,
    query: LedgerEntriesQuery,
    list: (db, filter, options) => {
      const { account, ...rest } = filter;
      return listEntries(
        db,
        { ...rest, konto: account } as LedgerEntryFilter,
        options,
      );
    },
  });

  group.route({
    method: "get",
    path: "/accounts",
    operationId: "getLedgerAccounts",
    summary: "Every account's balance at a date (default today)",
    description:
      "Debits, credits and their difference per account from the first entry through `date`; the sums of debits and credits are equal.",
    request: { query: AtDateQuery, headers: ["X-TMS-Min-Position"] },
    responses: {
      200: {
        description: "The balances",
        body: AccountBalancesRep,
        headers: ["X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const bedriftId = reportBedrift(c, query.bedriftId);
    const date = query.date ?? today();
    const accounts = await fromReadModel(
      c,
      deps.readSide,
      LEDGER_PROJECTION,
      (db, signal) => accountBalances(db, bedriftId, { to: date }, { signal }),
    );
    const sum = (side: "debet" | "kredit") =>
      accounts.reduce((s, a) => s.plus(a[side]), new Decimal(0)).toFixed(2);
    return reply(c, AccountBalancesRep, {
      bedriftId,
      date,
      accounts,
      sumDebet: sum("debet"),
      sumKredit: sum("kredit"),
    });
  });

  return group;
}
