/**
 * `/api/v<n>/bedrifter`: driving schools as companies — register, read (now
 * or as of a version or instant), change details, status and invoice
 * settings, their commit history, and the list from the `bedrifter` read
 * model.
 */
import type { Context } from "../deps.ts";
import {
  BEDRIFT,
  BEDRIFTER_PROJECTION,
  listBedrifter,
  registerBedrift,
} from "../actors/bedrift/mod.ts";
import type {
  BedriftCommand,
  BedriftListItem,
  BedriftState,
} from "../actors/bedrift/mod.ts";
import {
  BedrifterQuery,
  BedriftListItemView,
  BedriftView,
  ChangeStatusBody,
  InvoiceSettingsBody,
  RegisterBedriftBody,
  UpdateBedriftBody,
} from "../schemas/mod.ts";
import { askOptions, newId, now, requireId, writeHeaders } from "./write.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listRoute } from "./queries.ts";
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
import { AsOfQuery, AsOfView, historyRoute, readResource } from "./history.ts";
import type { z } from "../deps.ts";

/** The JSON view of a bedrift. */
export function bedriftView(id: string, version: number, state: BedriftState) {
  return {
    id,
    version,
    organisasjonsnummer: state.organisasjonsnummer,
    ...state.details,
    status: state.status,
    statusReason: state.statusReason,
    invoiceSettings: state.invoiceSettings,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

type BedriftBody = ReturnType<typeof bedriftView> & {
  asOf?: z.output<typeof AsOfView>;
};

const links = (id: string, c: Context) => {
  const api = apiBase(c);
  return {
    self: `${api}/bedrifter/${id}`,
    history: `${api}/bedrifter/${id}/history`,
    invoices: `${api}/invoices?bedriftId=${id}`,
    employees: `${api}/employees?bedriftId=${id}`,
    kontroller: `${api}/kontroller?bedriftId=${id}`,
  };
};

/** A bedrift in each version. */
export const BedriftRep = resource<BedriftBody>(
  "Bedrift",
  BedriftView.extend({ asOf: AsOfView.optional() }),
  (b, c) => links(b.id, c),
);

/** A page of `GET /bedrifter`. */
export const BedriftPage = page(
  "BedriftPage",
  resource<BedriftListItem>(
    "BedriftListItem",
    BedriftListItemView,
    (b, c) => ({ self: `${apiBase(c)}/bedrifter/${b.id}` }),
  ),
);

/** Routes of `/api/v<n>/bedrifter`. */
export function bedriftRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const group = new RouteGroup({
    tag: "Bedrifter",
    description: "Driving schools as companies, and their invoice settings",
    base: "/bedrifter",
    versioned: true,
  });

  listRoute(group, deps.readSide, {
    operationId: "listBedrifter",
    summary: "List bedrifter (search by navn or organisasjonsnummer)",
    rep: BedriftPage,
    projection: BEDRIFTER_PROJECTION,
    query: BedrifterQuery,
    list: listBedrifter,
    scope: (filter, tenant) => ({ ...filter, id: tenant }),
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "registerBedrift",
    summary: "Register a bedrift (its organisasjonsnummer is unique)",
    request: { body: { schema: RegisterBedriftBody }, headers: WRITE_HEADERS },
    responses: {
      201: { description: "Registered", body: BedriftRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const id = await newId(c, BEDRIFT);
    const { organisasjonsnummer, ...details } = body;
    const result = await registerBedrift(
      system,
      { id, organisasjonsnummer, details, at: now() },
      askOptions(c, "bedrift.register"),
    );
    writeHeaders(c, result);
    c.header("Location", `${apiBase(c)}/bedrifter/${id}`);
    return reply(
      c,
      BedriftRep,
      bedriftView(id, result.version, result.state),
      201,
    );
  });

  group.route({
    method: "get",
    path: "/:id",
    operationId: "getBedrift",
    summary: "Read a bedrift, now or as of a version or instant",
    request: { query: AsOfQuery },
    responses: {
      200: {
        description: "The bedrift",
        body: BedriftRep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const id = requireId(c, "bedrift");
    const read = await readResource<BedriftState>(
      c,
      { system: deps.system, client: system },
      BEDRIFT,
      id,
      query.asOf,
      "bedrift",
    );
    writeHeaders(c, read);
    return reply(c, BedriftRep, {
      ...bedriftView(id, read.version, read.state),
      ...(read.asOf ? { asOf: read.asOf } : {}),
    });
  });

  historyRoute(group, deps, {
    type: BEDRIFT,
    what: "bedrift",
    operationId: "getBedriftHistory",
  });

  const command = <B extends z.ZodType>(spec: {
    method: "patch" | "post" | "put";
    path: string;
    operationId: string;
    summary: string;
    body: B;
    route: string;
    toCommand: (body: z.output<B>) => BedriftCommand;
  }) =>
    group.route({
      method: spec.method,
      path: spec.path,
      operationId: spec.operationId,
      summary: spec.summary,
      request: { body: { schema: spec.body }, headers: WRITE_HEADERS },
      responses: {
        200: {
          description: "The bedrift after the change",
          body: BedriftRep,
          headers: WRITTEN,
        },
      },
      problems: COMMAND_PROBLEMS,
    }, async (c, { body }) => {
      const id = requireId(c, "bedrift");
      const result = await system.ask<never, BedriftState>(
        BEDRIFT,
        id,
        spec.toCommand(body),
        askOptions(c, spec.route),
      );
      writeHeaders(c, result);
      return reply(
        c,
        BedriftRep,
        bedriftView(id, result.version, result.state),
      );
    });

  command({
    method: "patch",
    path: "/:id",
    operationId: "updateBedrift",
    summary: "Change a bedrift's details",
    body: UpdateBedriftBody,
    route: "bedrift.update",
    toCommand: (changes) => ({ type: "update", changes, at: now() }),
  });
  command({
    method: "post",
    path: "/:id/status",
    operationId: "changeBedriftStatus",
    summary: "Change a bedrift's status (AKTIV, SUSPENDERT, AVVIKLET)",
    body: ChangeStatusBody,
    route: "bedrift.status",
    toCommand: (body) => ({
      type: "change_status",
      status: body.status,
      reason: body.reason,
      at: now(),
    }),
  });
  command({
    method: "put",
    path: "/:id/invoice-settings",
    operationId: "changeBedriftInvoiceSettings",
    summary: "Change a bedrift's invoice settings",
    body: InvoiceSettingsBody,
    route: "bedrift.invoice_settings",
    toCommand: (changes) => ({
      type: "change_invoice_settings",
      changes,
      at: now(),
    }),
  });

  return group;
}
