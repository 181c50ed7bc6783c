import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { NotFoundError } from "../runtime/core/mod.ts";
import {
  BEDRIFT,
  BEDRIFTER_PROJECTION,
  listBedrifter,
  registerBedrift,
} from "../actors/bedrift/mod.ts";
import type { BedriftCommand, BedriftState } from "../actors/bedrift/mod.ts";
import {
  BedrifterQuery,
  ChangeStatusBody,
  InvoiceSettingsBody,
  RegisterBedriftBody,
  UpdateBedriftBody,
} from "../schemas/mod.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  pathId,
  readOptions,
  writeHeaders,
} from "./write.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { listHandler } from "./queries.ts";

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

/** Routes of `/api/v1/bedrifter`. */
export function bedriftRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const app = new Hono();

  app.get(
    "/",
    listHandler(deps.readSide, {
      projection: BEDRIFTER_PROJECTION,
      query: BedrifterQuery,
      list: listBedrifter,
      scope: (filter, tenant) => ({ ...filter, id: tenant }),
    }),
  );

  app.post("/", async (c) => {
    const body = await parseBody(c, RegisterBedriftBody);
    const id = await newId(c, BEDRIFT);
    const { organisasjonsnummer, ...details } = body;
    const result = await registerBedrift(
      system,
      { id, organisasjonsnummer, details, at: now() },
      askOptions(c, "bedrift.register"),
    );
    writeHeaders(c, result);
    c.header("Location", `/api/v1/bedrifter/${id}`);
    return c.json(bedriftView(id, result.version, result.state), 201);
  });

  app.get("/:id", async (c) => {
    const id = pathId(c);
    if (!id) throw new NotFoundError("No such bedrift");
    const { version, position, state } = await system.read<BedriftState>(
      BEDRIFT,
      id,
      readOptions(c),
    );
    if (version === 0) throw new NotFoundError("No such bedrift");
    writeHeaders(c, { version, position });
    return c.json(bedriftView(id, version, state));
  });

  const command = (
    path: string,
    method: "patch" | "post" | "put",
    route: string,
    toCommand: (
      c: Context,
    ) => Promise<BedriftCommand>,
  ) =>
    app[method](path, async (c) => {
      const id = pathId(c);
      if (!id) throw new NotFoundError("No such bedrift");
      const cmd = await toCommand(c);
      const result = await system.ask<never, BedriftState>(
        BEDRIFT,
        id,
        cmd,
        askOptions(c, route),
      );
      writeHeaders(c, result);
      return c.json(bedriftView(id, result.version, result.state));
    });

  command("/:id", "patch", "bedrift.update", async (c) => ({
    type: "update",
    changes: await parseBody(c, UpdateBedriftBody),
    at: now(),
  }));
  command("/:id/status", "post", "bedrift.status", async (c) => {
    const body = await parseBody(c, ChangeStatusBody);
    return {
      type: "change_status",
      status: body.status,
      reason: body.reason,
      at: now(),
    };
  });
  command(
    "/:id/invoice-settings",
    "put",
    "bedrift.invoice_settings",
    async (c) => ({
      type: "change_invoice_settings",
      changes: await parseBody(c, InvoiceSettingsBody),
      at: now(),
    }),
  );

  return app;
}
