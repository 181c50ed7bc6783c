/**
 * `/api/v<n>/budgets`: a budget per bedrift, expense category and period (a
 * month `YYYY-MM` or a year `YYYY`; its id derives from the three), what the
 * approved expenses have spent of it, and whether it is over — the budget
 * process manager raises `budget.exceeded` once per crossing.
 */
import type { Context, z } from "../deps.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import {
  BUDGET,
  BUDGETS_PROJECTION,
  createBudget,
  listBudgets,
} from "../actors/budget/mod.ts";
import type { BudgetListItem, BudgetState } from "../actors/budget/mod.ts";
import { Decimal } from "../deps.ts";
import {
  BudgetListItemView,
  BudgetsQuery,
  BudgetView,
  ChangeBudgetBody,
  CreateBudgetBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
import { apiBase, page, reply, resource } from "./representation.ts";
import {
  COMMAND_PROBLEMS,
  CREATE_PROBLEMS,
  CREATED,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { AsOfView, readRoutes } from "./history.ts";
import { askOptions, now, requireId, writeHeaders } from "./write.ts";

/** The JSON view of a budget. */
export function budgetView(id: string, version: number, s: BudgetState) {
  const belop = s.belop ?? "0.00";
  return {
    id,
    version,
    bedriftId: s.bedriftId,
    kategori: s.kategori,
    periode: s.periode,
    belop,
    spent: s.spent,
    remaining: new Decimal(belop).minus(s.spent).toFixed(2),
    expenses: s.expenses,
    over: s.over,
    exceededCount: s.exceededCount,
    createdAt: s.createdAt!,
    updatedAt: s.updatedAt!,
  };
}

type BudgetBody = ReturnType<typeof budgetView> & {
  asOf?: z.output<typeof AsOfView>;
};

const links = (b: { id: string; bedriftId: string }, c: Context) => ({
  self: `${apiBase(c)}/budgets/${b.id}`,
  history: `${apiBase(c)}/budgets/${b.id}/history`,
  bedrift: `${apiBase(c)}/bedrifter/${b.bedriftId}`,
});

/** A budget in each version. */
export const BudgetRep = resource<BudgetBody>(
  "Budget",
  BudgetView.extend({ asOf: AsOfView.optional() }),
  links,
);

/** A page of `GET /budgets`. */
export const BudgetPage = page(
  "BudgetPage",
  resource<BudgetListItem>("BudgetListItem", BudgetListItemView, links),
);

/** Routes of `/api/v<n>/budgets`. */
export function budgetRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const group = new RouteGroup({
    tag: "Budgets",
    description:
      "Budgets per bedrift, expense category and month or year; budget.exceeded is raised once per crossing by a process manager that follows the feed",
    base: "/budgets",
    versioned: true,
  });

  const answer = (
    c: Context,
    id: string,
    result: AskResult<unknown, BudgetState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    if (status === 201) c.header("Location", `${apiBase(c)}/budgets/${id}`);
    return reply(
      c,
      BudgetRep,
      budgetView(id, result.version, result.state),
      status,
    );
  };

  listRoute(group, deps.readSide, {
    operationId: "listBudgets",
    summary: "List budgets (by bedrift, category, period, year, over or not)",
    rep: BudgetPage,
    projection: BUDGETS_PROJECTION,
    query: BudgetsQuery,
    list: listBudgets,
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "createBudget",
    summary: "Set the budget of a bedrift's category for a month or a year",
    description:
      "One budget per bedrift, category and period (409 when it exists; change it with PATCH). What approved expenses already spent counts at once: a budget set below it is exceeded on creation.",
    request: { body: { schema: CreateBudgetBody }, headers: WRITE_HEADERS },
    responses: {
      201: { description: "The budget", body: BudgetRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const result = await createBudget(system, {
      bedriftId: body.bedriftId,
      kategori: body.kategori,
      periode: body.periode,
      belop: body.belop,
      at: now(),
    }, askOptions(c, "budget.create"));
    return answer(c, result.id, result, 201);
  });

  readRoutes(group, { system: deps.system, client: system }, {
    type: BUDGET,
    what: "budget",
    name: "Budget",
    rep: BudgetRep,
    view: budgetView,
    // A stream that only tracks expenses is not a budget until one is set.
    exists: (version, state) => version > 0 && state.belop !== null,
  });

  group.route({
    method: "patch",
    path: "/:id",
    operationId: "changeBudget",
    summary: "Change a budget's amount",
    description:
      "Raising it above what is spent brings an exceeded budget back within (re-arming budget.exceeded); lowering it below raises budget.exceeded.",
    request: { body: { schema: ChangeBudgetBody }, headers: WRITE_HEADERS },
    responses: {
      200: { description: "The budget", body: BudgetRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "budget");
    return answer(
      c,
      id,
      await system.ask<never, BudgetState>(BUDGET, id, {
        type: "change",
        belop: body.belop,
        at: now(),
      }, askOptions(c, "budget.change")),
    );
  });

  return group;
}
