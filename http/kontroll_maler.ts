/** `/api/v<n>/kontroll-maler`: checklist templates. */
import type { Context, z } from "../deps.ts";
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
  KontrollMalView,
  UpdateKontrollMalBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { apiBase, reply, resource } from "./representation.ts";
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
import { askOptions, newId, now, requireId, writeHeaders } from "./write.ts";

/** The JSON view of a checklist template. */
export function kontrollMalView(version: number, state: KontrollMal) {
  return { ...state, version };
}

type MalBody = ReturnType<typeof kontrollMalView> & {
  asOf?: z.output<typeof AsOfView>;
};

/** A checklist template in each version. */
export const KontrollMalRep = resource<MalBody>(
  "KontrollMal",
  KontrollMalView.extend({ asOf: AsOfView.optional() }),
  (m, c) => ({
    self: `${apiBase(c)}/kontroll-maler/${m.id}`,
    history: `${apiBase(c)}/kontroll-maler/${m.id}/history`,
    bedrift: `${apiBase(c)}/bedrifter/${m.bedriftId}`,
  }),
);

/** Routes of `/api/v<n>/kontroll-maler`. */
export function kontrollMalRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const group = new RouteGroup({
    tag: "Kontroll-maler",
    description: "Checklist templates of the vehicle safety checks",
    base: "/kontroll-maler",
    versioned: true,
  });

  const answer = (
    c: Context,
    result: AskResult<unknown, KontrollMalState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const mal = result.state!;
    if (status === 201) {
      c.header("Location", `${apiBase(c)}/kontroll-maler/${mal.id}`);
    }
    return reply(
      c,
      KontrollMalRep,
      kontrollMalView(result.version, mal),
      status,
    );
  };

  const ask = async (
    c: Context,
    id: string,
    cmd: KontrollMalCommand,
    route: string,
  ) =>
    answer(
      c,
      await system.ask<never, KontrollMalState>(
        KONTROLL_MAL,
        id,
        cmd,
        askOptions(c, route),
      ),
    );

  group.route({
    method: "post",
    path: "/",
    operationId: "createKontrollMal",
    summary: "Create a checklist template with its check points",
    request: {
      body: { schema: CreateKontrollMalBody },
      headers: WRITE_HEADERS,
    },
    responses: {
      201: {
        description: "The template",
        body: KontrollMalRep,
        headers: CREATED,
      },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const id = await newId(c, KONTROLL_MAL);
    const result = await createKontrollMal(
      system,
      { id, ...body, at: now() },
      askOptions(c, "kontroll_mal.create"),
    );
    return answer(c, result, 201);
  });

  group.route({
    method: "get",
    path: "/:id",
    operationId: "getKontrollMal",
    summary: "Read a template, now or as of a version or instant",
    request: { query: AsOfQuery },
    responses: {
      200: {
        description: "The template",
        body: KontrollMalRep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const read = await readResource<KontrollMalState>(
      c,
      { system: deps.system, client: system },
      KONTROLL_MAL,
      requireId(c, "template"),
      query.asOf,
      "template",
      (_, state) => state !== null,
    );
    writeHeaders(c, read);
    return reply(c, KontrollMalRep, {
      ...kontrollMalView(read.version, read.state!),
      ...(read.asOf ? { asOf: read.asOf } : {}),
    });
  });

  historyRoute(group, deps, {
    type: KONTROLL_MAL,
    what: "template",
    operationId: "getKontrollMalHistory",
  });

  group.route({
    method: "patch",
    path: "/:id",
    operationId: "updateKontrollMal",
    summary:
      "Change a template (a new revision; running kontroller keep theirs)",
    request: {
      body: { schema: UpdateKontrollMalBody },
      headers: WRITE_HEADERS,
    },
    responses: {
      200: {
        description: "The template",
        body: KontrollMalRep,
        headers: WRITTEN,
      },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) =>
    await ask(
      c,
      requireId(c, "template"),
      { type: "update", ...body, at: now() },
      "kontroll_mal.update",
    ));

  group.route({
    method: "post",
    path: "/:id/archive",
    operationId: "archiveKontrollMal",
    summary: "Archive a template (no new kontroller from it)",
    request: {
      body: { schema: CompleteKontrollBody, optional: true },
      headers: WRITE_HEADERS,
    },
    responses: {
      200: {
        description: "The template",
        body: KontrollMalRep,
        headers: WRITTEN,
      },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c) =>
    await ask(
      c,
      requireId(c, "template"),
      { type: "archive", at: now() },
      "kontroll_mal.archive",
    ));

  return group;
}
