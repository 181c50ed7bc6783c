/**
 * `/api/v<n>/expenses`: supplier invoices and receipts of a bedrift —
 * register, attach the receipt (a photo or PDF in the file store), approve,
 * reject, pay — read now or as of a version or instant, their history, and
 * the list from the `expenses` read model.
 */
import { bodyLimit } from "../deps.ts";
import type { Context, z } from "../deps.ts";
import { HttpHeaders, NotFoundError } from "../runtime/core/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import { MemoryFileStore } from "../runtime/storage/mod.ts";
import {
  approveExpense,
  attachReceipt,
  EXPENSE,
  ExpenseErrorCode,
  EXPENSES_PROJECTION,
  listExpenses,
  payExpense,
  ReceiptLimits,
  registerExpense,
} from "../actors/expense/mod.ts";
import type { ExpenseListItem, ExpenseState } from "../actors/expense/mod.ts";
import {
  ApproveExpenseBody,
  ExpenseListItemView,
  ExpensesQuery,
  ExpenseView,
  PayExpenseBody,
  ReceiptUploadFields,
  RegisterExpenseBody,
  RejectExpenseBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { problem, ProblemTypes } from "./problem.ts";
import { listRoute } from "./queries.ts";
import { readFileUpload } from "./photo_upload.ts";
import { apiBase, page, reply, resource } from "./representation.ts";
import {
  COMMAND_PROBLEMS,
  CREATE_PROBLEMS,
  CREATED,
  READ_PROBLEMS,
  RouteGroup,
  WRITE_HEADERS,
  WRITTEN,
} from "./route.ts";
import { AsOfView, readResource, readRoutes } from "./history.ts";
import { askOptions, newId, now, requireId, writeHeaders } from "./write.ts";

/** Largest receipt upload body: the file plus room for multipart framing. */
export const RECEIPT_UPLOAD_MAX_BYTES = ReceiptLimits.maxBytes + 64 * 1024;

/** The JSON view of an expense. */
export function expenseView(id: string, version: number, s: ExpenseState) {
  return {
    id,
    version,
    status: s.status!,
    bedriftId: s.bedriftId,
    leverandor: s.leverandor,
    dato: s.dato,
    belop: s.belop,
    mvaSats: s.mvaSats,
    mva: s.mva,
    brutto: s.brutto,
    kategori: s.kategori,
    konto: s.konto,
    beskrivelse: s.beskrivelse,
    receipt: s.receipt,
    approval: s.approval
      ? {
        mvaRegistrert: s.approval.mvaRegistrert,
        inngaendeMva: s.approval.inngaendeMva,
        kostnad: s.approval.kostnad,
        by: s.approval.by,
        at: s.approval.at,
      }
      : null,
    paid: s.paid,
    rejected: s.rejected,
    createdAt: s.createdAt!,
    updatedAt: s.updatedAt!,
  };
}

type ExpenseBody = ReturnType<typeof expenseView> & {
  asOf?: z.output<typeof AsOfView>;
};

/** An expense in each version. */
export const ExpenseRep = resource<ExpenseBody>(
  "Expense",
  ExpenseView.extend({ asOf: AsOfView.optional() }),
  (e, c) => ({
    self: `${apiBase(c)}/expenses/${e.id}`,
    history: `${apiBase(c)}/expenses/${e.id}/history`,
    bedrift: `${apiBase(c)}/bedrifter/${e.bedriftId}`,
    receipt: e.receipt ? `${apiBase(c)}/expenses/${e.id}/receipt` : null,
  }),
);

/** A page of `GET /expenses`. */
export const ExpensePage = page(
  "ExpensePage",
  resource<ExpenseListItem>(
    "ExpenseListItem",
    ExpenseListItemView,
    (e, c) => ({
      self: `${apiBase(c)}/expenses/${e.id}`,
      bedrift: `${apiBase(c)}/bedrifter/${e.bedriftId}`,
    }),
  ),
);

const RECEIPT_TYPES = Object.fromEntries(
  ReceiptLimits.contentTypes.map((type) => [type, {
    description: "The receipt's bytes",
    schema: { type: "string", format: "binary" },
  }]),
);

/** Routes of `/api/v<n>/expenses`; receipts go to `deps.files`. */
export function expenseRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const files = deps.files ?? new MemoryFileStore();
  const group = new RouteGroup({
    tag: "Expenses",
    description:
      "Expenses (utgifter): supplier invoices and receipts, approved (input MVA deducted only for MVA-registered bedrifter), paid or rejected; each category books to an NS 4102 account",
    base: "/expenses",
    versioned: true,
  });
  const by = (c: Context) => c.get("principal")?.subject ?? null;

  const answer = (
    c: Context,
    id: string,
    result: AskResult<unknown, ExpenseState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    if (status === 201) c.header("Location", `${apiBase(c)}/expenses/${id}`);
    return reply(
      c,
      ExpenseRep,
      expenseView(id, result.version, result.state),
      status,
    );
  };

  const read = (c: Context, asOf?: string) =>
    readResource<ExpenseState>(
      c,
      { system: deps.system, client: system },
      EXPENSE,
      requireId(c, "expense"),
      asOf,
      "expense",
    );

  const command = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    schema: B,
    run: (c: Context, id: string, body: z.output<B>) => Promise<Response>,
  ) =>
    group.route({
      method: "post",
      path,
      operationId,
      summary,
      request: {
        body: { schema, optional: true },
        headers: WRITE_HEADERS,
      },
      responses: {
        200: {
          description: "The expense after the command",
          body: ExpenseRep,
          headers: WRITTEN,
        },
      },
      problems: COMMAND_PROBLEMS,
    }, (c, input) => run(c, requireId(c, "expense"), input.body));

  listRoute(group, deps.readSide, {
    operationId: "listExpenses",
    summary: "List expenses (by bedrift, status, category, voucher date)",
    rep: ExpensePage,
    projection: EXPENSES_PROJECTION,
    query: ExpensesQuery,
    list: listExpenses,
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "registerExpense",
    summary: "Register an expense (REGISTRERT) of an AKTIV bedrift",
    description:
      "`belop` is excl. MVA; the MVA at `mvaSats` and the gross are computed, rounded to øre. The category decides the NS 4102 account.",
    request: {
      body: { schema: RegisterExpenseBody },
      headers: WRITE_HEADERS,
    },
    responses: {
      201: { description: "The expense", body: ExpenseRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const id = await newId(c, EXPENSE);
    const result = await registerExpense(system, {
      id,
      bedriftId: body.bedriftId,
      leverandor: body.leverandor,
      dato: body.dato,
      belop: body.belop,
      mvaSats: body.mvaSats,
      kategori: body.kategori,
      beskrivelse: body.beskrivelse,
      by: by(c),
      at: now(),
    }, askOptions(c, "expense.register"));
    return answer(c, id, result, 201);
  });

  readRoutes(group, { system: deps.system, client: system }, {
    type: EXPENSE,
    what: "expense",
    name: "Expense",
    rep: ExpenseRep,
    view: expenseView,
  });

  command(
    "/:id/approve",
    "approveExpense",
    "Approve an expense (GODKJENT): books its cost, and its input MVA when the bedrift is MVA-registered",
    ApproveExpenseBody,
    async (c, id) =>
      answer(
        c,
        id,
        await approveExpense(
          system,
          { id, by: by(c), at: now() },
          askOptions(c, "expense.approve"),
        ),
      ),
  );

  command(
    "/:id/reject",
    "rejectExpense",
    "Reject an expense (AVVIST); an approved, unpaid one has its approval withdrawn",
    RejectExpenseBody,
    async (c, id, body) =>
      answer(
        c,
        id,
        await system.ask<never, ExpenseState>(EXPENSE, id, {
          type: "reject",
          reason: body.reason,
          by: by(c),
          at: now(),
        }, askOptions(c, "expense.reject")),
      ),
  );

  command(
    "/:id/pay",
    "payExpense",
    "Mark an approved expense paid (BETALT) on `paidOn` (default today)",
    PayExpenseBody,
    async (c, id, body) =>
      answer(
        c,
        id,
        await payExpense(
          system,
          { id, paidOn: body.paidOn, by: by(c), at: now() },
          askOptions(c, "expense.pay"),
        ),
      ),
  );

  group.route(
    {
      method: "post",
      path: "/:id/receipt",
      operationId: "attachExpenseReceipt",
      summary: "Attach the receipt (bilag): a photo or a PDF",
      description:
        `JPEG, PNG, WebP, HEIC/HEIF or PDF up to ${ReceiptLimits.maxBytes} bytes, checked against the bytes (the file's signature, not only its content type): the raw bytes with their content type, or multipart/form-data with a \`file\` part. One receipt per expense.`,
      request: {
        body: {
          schema: ReceiptUploadFields,
          raw: {
            ...RECEIPT_TYPES,
            "multipart/form-data": {
              description: "A `file` part",
              schema: {
                type: "object",
                properties: { file: { type: "string", format: "binary" } },
                required: ["file"],
              },
            },
          },
        },
        headers: WRITE_HEADERS,
      },
      responses: {
        201: {
          description: "The expense with its receipt",
          body: ExpenseRep,
          headers: CREATED,
        },
      },
      problems: [...COMMAND_PROBLEMS, 413],
    },
    async (c) => {
      const id = requireId(c, "expense");
      const upload = await readFileUpload(c, ExpenseErrorCode.INVALID_UPLOAD);
      const fileId = await newId(c, `${EXPENSE}:${id}:receipt`);
      const { result } = await attachReceipt(system, files, {
        id,
        fileId,
        contentType: upload.contentType,
        data: upload.data,
        at: now(),
      }, askOptions(c, "expense.attach_receipt"));
      writeHeaders(c, result);
      c.header("Location", `${apiBase(c)}/expenses/${id}/receipt`);
      return reply(
        c,
        ExpenseRep,
        expenseView(id, result.version, result.state),
        201,
      );
    },
    [
      bodyLimit({
        maxSize: RECEIPT_UPLOAD_MAX_BYTES,
        onError: (c) =>
          problem(c, {
            type: ProblemTypes.tooLarge,
            title: `A receipt is at most ${ReceiptLimits.maxBytes} bytes`,
            status: 413,
          }),
      }),
    ],
  );

  group.route({
    method: "get",
    path: "/:id/receipt",
    operationId: "getExpenseReceipt",
    summary: "The bytes of an expense's receipt",
    responses: {
      200: {
        description: "The receipt, immutable",
        content: Object.fromEntries(
          ReceiptLimits.contentTypes.map((type) => [type, {
            schema: { type: "string", format: "binary" },
          }]),
        ),
        headers: ["ETag", "Cache-Control"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c) => {
    const { state } = await read(c);
    const receipt = state.receipt;
    const file = receipt
      ? await files.get(receipt.fileId, { signal: c.get("signal") })
      : null;
    if (!file) throw new NotFoundError("This expense has no receipt");
    return c.body(file.data as Uint8Array<ArrayBuffer>, 200, {
      "content-type": file.info.contentType,
      "content-length": String(file.info.size),
      [HttpHeaders.etag]: `"${file.info.sha256}"`,
      "cache-control": "private, max-age=31536000, immutable",
    });
  });

  return group;
}
