/** `/api/v1/kontroll-maler`: checklist templates. */
import { Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import { NotFoundError } from "../runtime/core/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import { createKontrollMal, KONTROLL_MAL } from "../actors/kontroll_mal/mod.ts";
import type {
  KontrollMal,
  KontrollMalCommand,
  KontrollMalState,
} from "../actors/kontroll_mal/mod.ts";
import {
  CompleteKontrollBody,
  CreateKontrollMalBody,
  UpdateKontrollMalBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  parseOptionalBody,
  readOptions,
  requireId,
  writeHeaders,
} from "./write.ts";

/** The JSON view of a checklist template. */
export function kontrollMalView(version: number, state: KontrollMal) {
  return { ...state, version };
}

/** Routes of `/api/v1/kontroll-maler`. */
export function kontrollMalRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const app = new Hono();

  const reply = (
    c: Context,
    result: AskResult<unknown, KontrollMalState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const mal = result.state!;
    if (status === 201) {
      c.header("Location", `/api/v1/kontroll-maler/${mal.id}`);
    }
    return c.json(kontrollMalView(result.version, mal), status);
  };

  const ask = async (
    c: Context,
    id: string,
    cmd: KontrollMalCommand,
    route: string,
  ) =>
    reply(
      c,
      await system.ask<never, KontrollMalState>(
        KONTROLL_MAL,
        id,
        cmd,
        askOptions(c, route),
      ),
    );

  app.post("/", async (c) => {
    const body = await parseBody(c, CreateKontrollMalBody);
    const id = await newId(c, KONTROLL_MAL);
    const result = await createKontrollMal(
      system,
      { id, ...body, at: now() },
      askOptions(c, "kontroll_mal.create"),
    );
    return reply(c, result, 201);
  });

  app.get("/:id", async (c) => {
    const id = requireId(c, "template");
    const { version, position, state } = await system.read<KontrollMalState>(
      KONTROLL_MAL,
      id,
      readOptions(c),
    );
    if (state === null) throw new NotFoundError("No such template");
    writeHeaders(c, { version, position });
    return c.json(kontrollMalView(version, state));
  });

  app.patch("/:id", async (c) => {
    const id = requireId(c, "template");
    const body = await parseBody(c, UpdateKontrollMalBody);
    return await ask(
      c,
      id,
      { type: "update", ...body, at: now() },
      "kontroll_mal.update",
    );
  });

  app.post("/:id/archive", async (c) => {
    const id = requireId(c, "template");
    await parseOptionalBody(c, CompleteKontrollBody);
    return await ask(
      c,
      id,
      { type: "archive", at: now() },
      "kontroll_mal.archive",
    );
  });

  return app;
}
