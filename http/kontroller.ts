/**
 * `/api/v1/kontroller`: vehicle safety checks, their check points, photos in
 * the file store, and the list from the `kontroller` read model. The acting
 * participant is the kontroll's instructor, or its learner when the request
 * says `by: "ELEV"` (a learner has no account of their own).
 */
import { bodyLimit, Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
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
  KontrollState,
  Participant,
} from "../actors/kontroll/mod.ts";
import {
  CompleteKontrollBody,
  CreateKontrollBody,
  KontrollerQuery,
  PhotoUploadFields,
  RecordPointBody,
} from "../schemas/mod.ts";
import { clientOf } from "./context.ts";
import type { EdgeDeps } from "./context.ts";
import { problem, ProblemTypes } from "./problem.ts";
import { listHandler } from "./queries.ts";
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

/** Largest upload body: the photo plus room for multipart framing. */
export const PHOTO_UPLOAD_MAX_BYTES = PhotoLimits.maxBytes + 64 * 1024;

/** The JSON view of a kontroll. */
export function kontrollView(version: number, state: Kontroll) {
  return { ...state, version };
}

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

/** Routes of `/api/v1/kontroller`; photos go to `deps.files`. */
export function kontrollRoutes(deps: EdgeDeps): Hono {
  const system = clientOf(deps);
  const files = deps.files ?? new MemoryFileStore();
  const app = new Hono();

  const read = async (c: Context, id: string) => {
    const result = await system.read<KontrollState>(
      KONTROLL,
      id,
      readOptions(c),
    );
    if (result.state === null) throw new NotFoundError("No such kontroll");
    return { ...result, state: result.state };
  };

  const reply = (
    c: Context,
    result: AskResult<unknown, KontrollState>,
    status: 200 | 201 = 200,
  ) => {
    writeHeaders(c, result);
    const kontroll = result.state!;
    if (status === 201) {
      c.header("Location", `/api/v1/kontroller/${kontroll.id}`);
    }
    return c.json(kontrollView(result.version, kontroll), status);
  };

  const ask = async (
    c: Context,
    id: string,
    cmd: KontrollCommand,
    route: string,
  ) =>
    reply(
      c,
      await system.ask<never, KontrollState>(
        KONTROLL,
        id,
        cmd,
        askOptions(c, route),
      ),
    );

  app.get(
    "/",
    listHandler(deps.readSide, {
      projection: KONTROLLER_PROJECTION,
      query: KontrollerQuery,
      list: listKontroller,
    }),
  );

  app.post("/", async (c) => {
    const body = await parseBody(c, CreateKontrollBody);
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
    return reply(c, result, 201);
  });

  app.get("/:id", async (c) => {
    const { version, position, state } = await read(
      c,
      requireId(c, "kontroll"),
    );
    writeHeaders(c, { version, position });
    return c.json(kontrollView(version, state));
  });

  app.post("/:id/points/:pointId", async (c) => {
    const id = requireId(c, "kontroll");
    const pointId = requireId(c, "check point", "pointId");
    const body = await parseBody(c, RecordPointBody);
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

  app.post(
    "/:id/photos",
    bodyLimit({
      maxSize: PHOTO_UPLOAD_MAX_BYTES,
      onError: (c) =>
        problem(c, {
          type: ProblemTypes.tooLarge,
          title: `A photo is at most ${PhotoLimits.maxBytes} bytes`,
          status: 413,
        }),
    }),
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
      c.header("Location", `/api/v1/kontroller/${id}/photos/${fileId}`);
      return c.json({
        ...kontrollView(result.version, result.state!),
        photo: { ...info, pointId: upload.fields.pointId },
      }, 201);
    },
  );

  app.get("/:id/photos/:fileId", async (c) => {
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

  app.post("/:id/complete", async (c) => {
    const id = requireId(c, "kontroll");
    await parseOptionalBody(c, CompleteKontrollBody);
    const { state } = await read(c, id);
    return await ask(c, id, {
      type: "complete",
      by: participant(state, ParticipantRole.LAERER),
      at: now(),
    }, "kontroll.complete");
  });

  return app;
}

/**
 * A photo upload: `multipart/form-data` with a `file` part and the fields
 * `pointId` (and `by`), or the raw bytes with their `Content-Type` and the
 * fields as query parameters.
 */
async function readUpload(c: Context) {
  const type = c.req.header("content-type") ?? "";
  if (type.toLowerCase().startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      throw new DomainError(
        KontrollErrorCode.INVALID_UPLOAD,
        "Not a valid multipart body",
        {
          status: 422,
        },
      );
    }
    const file = form.get("file");
    if (!(file instanceof File)) {
      throw new DomainError(
        KontrollErrorCode.INVALID_UPLOAD,
        "The multipart body needs a `file` part",
        { status: 422 },
      );
    }
    const fields = PhotoUploadFields.parse({
      pointId: form.get("pointId") ?? undefined,
      by: form.get("by") ?? undefined,
    });
    return {
      fields,
      contentType: file.type,
      data: new Uint8Array(await file.arrayBuffer()),
    };
  }
  const fields = PhotoUploadFields.parse({
    pointId: c.req.query("pointId"),
    by: c.req.query("by"),
  });
  const body = c.req.raw.body;
  return {
    fields,
    contentType: type,
    data: body ?? new Uint8Array(),
  };
}
