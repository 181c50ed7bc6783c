/**
 * `/api/v<n>/kontroller`: vehicle safety checks, their check points, photos in
 * the file store, and the list from the `kontroller` read model. The acting
 * participant is the kontroll's instructor, or its learner when the request
 * says `by: "ELEV"` (a learner has no account of their own).
 */
import { bodyLimit } from "../deps.ts";
import type { Context, z } from "../deps.ts";
import {
  DomainError,
  ForbiddenError,
  HttpHeaders,
  NotFoundError,
} from "../runtime/core/mod.ts";
import { UserRole } from "../actors/user/mod.ts";
import type { AskResult } from "../runtime/actor/mod.ts";
import { MemoryFileStore } from "../runtime/storage/mod.ts";
import {
  attachPhoto,
  createKontroll,
  KONTROLL,
  KONTROLLER_PROJECTION,
  KontrollErrorCode,
  listKontroller,
  ParticipantRole,
  PhotoLimits,
} from "../actors/kontroll/mod.ts";
import type {
  Kontroll,
  KontrollCommand,
  KontrollListItem,
  KontrollState,
  Participant,
} from "../actors/kontroll/mod.ts";
import {
  CompleteKontrollBody,
  CreateKontrollBody,
  KontrollerQuery,
  KontrollListItemView,
  KontrollPhotoView,
  KontrollView,
  PhotoUploadFields,
  RecordPointBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { problem, ProblemTypes } from "./problem.ts";
import { listRoute } from "./queries.ts";
import { readUpload } from "./photo_upload.ts";
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
import {
  askOptions,
  newId,
  now,
  readOptions,
  requireId,
  writeHeaders,
} from "./write.ts";

/** Largest upload body: the photo plus room for multipart framing. */
export const PHOTO_UPLOAD_MAX_BYTES = PhotoLimits.maxBytes + 64 * 1024;

/** The JSON view of a kontroll. */
export function kontrollView(version: number, state: Kontroll) {
  return { ...state, version };
}

type KontrollBody = ReturnType<typeof kontrollView> & {
  asOf?: z.output<typeof AsOfView>;
};

const kontrollLinks = (k: KontrollBody, c: Context) => ({
  self: `${apiBase(c)}/kontroller/${k.id}`,
  history: `${apiBase(c)}/kontroller/${k.id}/history`,
  mal: `${apiBase(c)}/kontroll-maler/${k.mal.id}`,
  bedrift: `${apiBase(c)}/bedrifter/${k.bedriftId}`,
  instructor: `${apiBase(c)}/employees/${k.instructorId}`,
});

/** A kontroll in each version. */
export const KontrollRep = resource<KontrollBody>(
  "Kontroll",
  KontrollView.extend({ asOf: AsOfView.optional() }),
  kontrollLinks,
);

/** The answer of a photo upload. */
export const KontrollPhotoRep = resource<KontrollBody & { photo: unknown }>(
  "KontrollPhoto",
  KontrollPhotoView,
  kontrollLinks,
);

/** A page of `GET /kontroller`. */
export const KontrollPage = page(
  "KontrollPage",
  resource<KontrollListItem>(
    "KontrollListItem",
    KontrollListItemView,
    (k, c) => ({
      self: `${apiBase(c)}/kontroller/${k.id}`,
      mal: `${apiBase(c)}/kontroll-maler/${k.mal.id}`,
    }),
  ),
);

function participant(
  kontroll: Kontroll,
  role: ParticipantRole | undefined,
): Participant {
  return role === ParticipantRole.ELEV
    ? { role, userId: kontroll.learnerId ?? "" }
    : { role: ParticipantRole.LAERER, userId: kontroll.instructorId };
}

/**
 * The instructor of a new kontroll: a TRAFIKKLARER is always their own (an
 * `instructorId` naming somebody else is refused: OWASP API3, mass
 * assignment); a manager names one.
 */
function instructorOf(c: Context, given: string | undefined): string {
  const who = c.get("principal");
  if (who?.role === UserRole.TRAFIKKLARER) {
    if (!who.employeeId) {
      throw new ForbiddenError(
        KontrollErrorCode.NOT_INSTRUCTOR,
        "This user is not linked to an employee who can instruct",
      );
    }
    if (given !== undefined && given !== who.employeeId) {
      throw new ForbiddenError(
        KontrollErrorCode.NOT_INSTRUCTOR,
        "A TRAFIKKLARER creates kontroller as their own instructor",
      );
    }
    return who.employeeId;
  }
  if (!given) {
    throw new DomainError(
      KontrollErrorCode.INSTRUCTOR_REQUIRED,
      "Give instructorId: the employee who runs the kontroll",
      { status: 422 },
    );
  }
  return given;
}

/** Routes of `/api/v<n>/kontroller`; photos go to `deps.files`. */
export function kontrollRoutes(deps: EdgeDeps): RouteGroup {
  const system = clientOf(deps);
  const files = deps.files ?? new MemoryFileStore();
  const group = new RouteGroup({
    tag: "Kontroller",
    description:
      "Vehicle safety checks (sikkerhetskontroller): check points, photos, the result",
    base: "/kontroller",
    versioned: true,
  });

  const read = async (c: Context, id: string) => {
    const result = await system.read<KontrollState>(
      KONTROLL,
      id,
      readOptions(c),
    );
    if (result.state === null) throw new NotFoundError("No such kontroll");
    return { ...result, state: result.state };
  };

  const answer = (
    c: Context,
    result: AskResult<unknown, KontrollState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const kontroll = result.state!;
    if (status === 201) {
      c.header("Location", `${apiBase(c)}/kontroller/${kontroll.id}`);
    }
    return reply(
      c,
      KontrollRep,
      kontrollView(result.version, kontroll),
      status,
    );
  };

  const ask = async (
    c: Context,
    id: string,
    cmd: KontrollCommand,
    route: string,
  ) =>
    answer(
      c,
      await system.ask<never, KontrollState>(
        KONTROLL,
        id,
        cmd,
        askOptions(c, route),
      ),
    );

  listRoute(group, deps.readSide, {
    operationId: "listKontroller",
    summary: "List kontroller, newest first",
    rep: KontrollPage,
    projection: KONTROLLER_PROJECTION,
    query: KontrollerQuery,
    list: listKontroller,
  });

  group.route({
    method: "post",
    path: "/",
    operationId: "createKontroll",
    summary: "Start a kontroll of a vehicle from a template",
    description:
      "A TRAFIKKLARER is always its own instructor (another `instructorId` is refused, 403); a manager names one.",
    request: { body: { schema: CreateKontrollBody }, headers: WRITE_HEADERS },
    responses: {
      201: { description: "The kontroll", body: KontrollRep, headers: CREATED },
    },
    problems: CREATE_PROBLEMS,
  }, async (c, { body }) => {
    const instructorId = instructorOf(c, body.instructorId);
    const id = await newId(c, KONTROLL);
    const result = await createKontroll(system, {
      id,
      malId: body.malId,
      registreringsnummer: body.registreringsnummer,
      instructorId,
      learnerId: body.learnerId ?? null,
      at: now(),
    }, askOptions(c, "kontroll.create"));
    return answer(c, result, 201);
  });

  group.route({
    method: "get",
    path: "/:id",
    operationId: "getKontroll",
    summary: "Read a kontroll, now or as of a version or instant",
    request: { query: AsOfQuery },
    responses: {
      200: {
        description: "The kontroll",
        body: KontrollRep,
        headers: ["ETag", "X-TMS-Position"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c, { query }) => {
    const result = await readResource<KontrollState>(
      c,
      { system: deps.system, client: system },
      KONTROLL,
      requireId(c, "kontroll"),
      query.asOf,
      "kontroll",
      (_, state) => state !== null,
    );
    writeHeaders(c, result);
    return reply(c, KontrollRep, {
      ...kontrollView(result.version, result.state!),
      ...(result.asOf ? { asOf: result.asOf } : {}),
    });
  });

  historyRoute(group, deps, {
    type: KONTROLL,
    what: "kontroll",
    operationId: "getKontrollHistory",
  });

  group.route({
    method: "post",
    path: "/:id/points/:pointId",
    operationId: "recordKontrollPoint",
    summary: "Record one check point's result",
    request: {
      body: { schema: RecordPointBody },
      headers: WRITE_HEADERS,
      params: { pointId: "The check point's id in the template" },
    },
    responses: {
      200: { description: "The kontroll", body: KontrollRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c, { body }) => {
    const id = requireId(c, "kontroll");
    const pointId = requireId(c, "check point", "pointId");
    const { state } = await read(c, id);
    return await ask(c, id, {
      type: "record_point",
      pointId,
      value: body.value,
      passed: body.passed,
      comment: body.comment,
      by: participant(state, body.by),
      at: now(),
    }, "kontroll.record_point");
  });

  group.route(
    {
      method: "post",
      path: "/:id/photos",
      operationId: "attachKontrollPhoto",
      summary: "Attach a photo to a check point",
      description:
        `JPEG, PNG, WebP or HEIC/HEIF up to ${PhotoLimits.maxBytes} bytes, checked against the bytes: the raw bytes with their content type and \`pointId\` (and \`by\`) as query parameters, or multipart/form-data with a \`file\` part and those fields.`,
      request: {
        body: {
          schema: PhotoUploadFields,
          raw: {
            "image/jpeg": {
              description: "The photo's bytes",
              schema: { type: "string", format: "binary" },
            },
            "image/png": {
              description: "The photo's bytes",
              schema: { type: "string", format: "binary" },
            },
            "image/webp": {
              description: "The photo's bytes",
              schema: { type: "string", format: "binary" },
            },
            "image/heic": {
              description: "The photo's bytes",
              schema: { type: "string", format: "binary" },
            },
            "multipart/form-data": {
              description: "A `file` part and the fields `pointId`, `by`",
              schema: {
                type: "object",
                properties: {
                  file: { type: "string", format: "binary" },
                  pointId: { type: "string" },
                  by: { type: "string", enum: ["LAERER", "ELEV"] },
                },
                required: ["file", "pointId"],
              },
            },
          },
        },
        query: PhotoQuery,
        headers: WRITE_HEADERS,
      },
      responses: {
        201: {
          description: "The kontroll and the stored photo",
          body: KontrollPhotoRep,
          headers: CREATED,
        },
      },
      problems: [...COMMAND_PROBLEMS, 413],
    },
    async (c) => {
      const id = requireId(c, "kontroll");
      const upload = await readUpload(c);
      const { state } = await read(c, id);
      const fileId = await newId(c, `${KONTROLL}:${id}:photo`);
      const { result, info } = await attachPhoto(system, files, {
        id,
        pointId: upload.fields.pointId,
        fileId,
        contentType: upload.contentType,
        data: upload.data,
        by: participant(state, upload.fields.by),
        at: now(),
      }, askOptions(c, "kontroll.attach_photo"));
      writeHeaders(c, result);
      c.header("Location", `${apiBase(c)}/kontroller/${id}/photos/${fileId}`);
      return reply(c, KontrollPhotoRep, {
        ...kontrollView(result.version, result.state!),
        photo: { ...info, pointId: upload.fields.pointId },
      }, 201);
    },
    [
      bodyLimit({
        maxSize: PHOTO_UPLOAD_MAX_BYTES,
        onError: (c) =>
          problem(c, {
            type: ProblemTypes.tooLarge,
            title: `A photo is at most ${PhotoLimits.maxBytes} bytes`,
            status: 413,
          }),
      }),
    ],
  );

  group.route({
    method: "get",
    path: "/:id/photos/:fileId",
    operationId: "getKontrollPhoto",
    summary: "The bytes of a photo attached to this kontroll",
    request: { params: { fileId: "The photo's id" } },
    responses: {
      200: {
        description: "The photo, immutable",
        content: {
          "image/jpeg": { schema: { type: "string", format: "binary" } },
          "image/png": { schema: { type: "string", format: "binary" } },
          "image/webp": { schema: { type: "string", format: "binary" } },
          "image/heic": { schema: { type: "string", format: "binary" } },
        },
        headers: ["ETag", "Cache-Control"],
      },
    },
    problems: READ_PROBLEMS,
  }, async (c) => {
    const id = requireId(c, "kontroll");
    const fileId = requireId(c, "photo", "fileId");
    const { state } = await read(c, id);
    const attached = state.points.some((p) =>
      p.photos.some((photo) => photo.fileId === fileId)
    );
    const file = attached
      ? await files.get(fileId, { signal: c.get("signal") })
      : null;
    if (!file) throw new NotFoundError("No such photo on this kontroll");
    return c.body(file.data as Uint8Array<ArrayBuffer>, 200, {
      "content-type": file.info.contentType,
      "content-length": String(file.info.size),
      [HttpHeaders.etag]: `"${file.info.sha256}"`,
      "cache-control": "private, max-age=31536000, immutable",
    });
  });

  group.route({
    method: "post",
    path: "/:id/complete",
    operationId: "completeKontroll",
    summary: "Complete a kontroll: BESTATT, or IKKE_BESTATT with its avvik",
    request: {
      body: { schema: CompleteKontrollBody, optional: true },
      headers: WRITE_HEADERS,
    },
    responses: {
      200: { description: "The kontroll", body: KontrollRep, headers: WRITTEN },
    },
    problems: COMMAND_PROBLEMS,
  }, async (c) => {
    const id = requireId(c, "kontroll");
    const { state } = await read(c, id);
    return await ask(c, id, {
      type: "complete",
      by: participant(state, ParticipantRole.LAERER),
      at: now(),
    }, "kontroll.complete");
  });

  return group;
}

/** Query of a raw photo upload (the form fields of a multipart one). */
const PhotoQuery = PhotoUploadFields.partial();
