import { bodyLimit, Hono } from "../deps.ts";
import type { Context } from "../deps.ts";
import {
  DomainError,
  HttpHeaders,
  NotFoundError,
} from "../runtime/core/mod.ts";
import type { ActorClient, AskResult } from "../runtime/actor/mod.ts";
import type { FileStore } from "../runtime/storage/mod.ts";
import { BEDRIFT } from "../actors/bedrift/mod.ts";
import {
  kontrollActor,
  ParticipantRole,
  PhotoLimits,
} from "../actors/kontroll/mod.ts";
import {
  kontrollMalActor,
  kontrollMalSnapshot,
} from "../actors/kontroll_mal/mod.ts";
import type {
  Kontroll,
  KontrollCommand,
  KontrollState,
  Participant,
} from "../actors/kontroll/mod.ts";
import type {
  KontrollMal,
  KontrollMalCommand,
  KontrollMalState,
} from "../actors/kontroll_mal/mod.ts";
import {
  CompleteKontrollBody,
  CreateKontrollBody,
  CreateKontrollMalBody,
  PhotoUploadFields,
  RecordPointBody,
  UpdateKontrollMalBody,
} from "../schemas/mod.ts";
import { problem, ProblemTypes } from "./problem.ts";
import {
  askOptions,
  newId,
  now,
  parseBody,
  parseOptionalBody,
  pathId,
  writeHeaders,
} from "./write.ts";

const MAL = kontrollMalActor.type;
const KONTROLL = kontrollActor.type;

/** Largest upload body: the photo plus room for multipart framing. */
export const PHOTO_UPLOAD_MAX_BYTES = PhotoLimits.maxBytes + 64 * 1024;

/** The JSON view of a checklist template. */
export function kontrollMalView(version: number, state: KontrollMal) {
  return { ...state, version };
}

/** The JSON view of a kontroll. */
export function kontrollView(version: number, state: Kontroll) {
  return { ...state, version };
}

function requireId(c: Context, what: string, name = "id"): string {
  const id = pathId(c, name);
  if (!id) throw new NotFoundError(`No such ${what}`);
  return id;
}

/**
 * Checklist templates (`/api/v1/kontroll-maler`) and kontroller
 * (`/api/v1/kontroller`), photos stored in `files`. Until the edge
 * authenticates users, the acting participant is the kontroll's instructor,
 * or its learner when the request says `by: "ELEV"`.
 */
export function kontrollRoutes(system: ActorClient, files: FileStore): Hono {
  const app = new Hono();

  const readMal = async (c: Context, id: string) => {
    const result = await system.read<KontrollMalState>(MAL, id, {
      signal: c.get("signal"),
    });
    if (result.state === null) throw new NotFoundError("No such template");
    return { ...result, state: result.state };
  };

  const readKontroll = async (c: Context, id: string) => {
    const result = await system.read<KontrollState>(KONTROLL, id, {
      signal: c.get("signal"),
    });
    if (result.state === null) throw new NotFoundError("No such kontroll");
    return { ...result, state: result.state };
  };

  const participant = (
    kontroll: Kontroll,
    role: ParticipantRole | undefined,
  ): Participant =>
    role === ParticipantRole.ELEV
      ? { role, userId: kontroll.learnerId ?? "" }
      : { role: ParticipantRole.LAERER, userId: kontroll.instructorId };

  const malReply = (
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

  const kontrollReply = (
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

  const askMal = (
    c: Context,
    id: string,
    cmd: KontrollMalCommand,
    route: string,
  ) => system.ask<never, KontrollMalState>(MAL, id, cmd, askOptions(c, route));
  const askKontroll = (
    c: Context,
    id: string,
    cmd: KontrollCommand,
    route: string,
  ) =>
    system.ask<never, KontrollState>(KONTROLL, id, cmd, askOptions(c, route));

  app.post("/kontroll-maler", async (c) => {
    const body = await parseBody(c, CreateKontrollMalBody);
    const bedrift = await system.read(BEDRIFT, body.bedriftId, {
      signal: c.get("signal"),
    });
    if (bedrift.version === 0) {
      throw new DomainError(
        "kontroll_mal.unknown_bedrift",
        "No bedrift with that id",
        { status: 422 },
      );
    }
    const id = await newId(c, MAL);
    const result = await askMal(c, id, {
      type: "create",
      id,
      ...body,
      at: now(),
    }, "kontroll_mal.create");
    return malReply(c, result, 201);
  });

  app.get("/kontroll-maler/:id", async (c) => {
    const { version, position, state } = await readMal(
      c,
      requireId(c, "template"),
    );
    writeHeaders(c, { version, position });
    return c.json(kontrollMalView(version, state));
  });

  app.patch("/kontroll-maler/:id", async (c) => {
    const id = requireId(c, "template");
    const body = await parseBody(c, UpdateKontrollMalBody);
    const result = await askMal(
      c,
      id,
      { type: "update", ...body, at: now() },
      "kontroll_mal.update",
    );
    return malReply(c, result);
  });

  app.post("/kontroll-maler/:id/archive", async (c) => {
    const id = requireId(c, "template");
    await parseOptionalBody(c, CompleteKontrollBody);
    const result = await askMal(
      c,
      id,
      { type: "archive", at: now() },
      "kontroll_mal.archive",
    );
    return malReply(c, result);
  });

  app.post("/kontroller", async (c) => {
    const body = await parseBody(c, CreateKontrollBody);
    const template = await system.read<KontrollMalState>(MAL, body.malId, {
      signal: c.get("signal"),
    });
    if (template.state === null) {
      throw new DomainError(
        "kontroll.unknown_mal",
        "No checklist template with that id",
        { status: 422 },
      );
    }
    if (!body.instructorId) {
      throw new DomainError(
        "kontroll.instructor_required",
        "Give instructorId (the edge does not know the calling user yet)",
        { status: 422 },
      );
    }
    const { mal, sjekkpunkter } = kontrollMalSnapshot(template.state);
    const id = await newId(c, KONTROLL);
    const result = await askKontroll(c, id, {
      type: "create",
      id,
      bedriftId: template.state.bedriftId,
      mal,
      sjekkpunkter,
      registreringsnummer: body.registreringsnummer,
      instructorId: body.instructorId,
      learnerId: body.learnerId ?? null,
      at: now(),
    }, "kontroll.create");
    return kontrollReply(c, result, 201);
  });

  app.get("/kontroller/:id", async (c) => {
    const { version, position, state } = await readKontroll(
      c,
      requireId(c, "kontroll"),
    );
    writeHeaders(c, { version, position });
    return c.json(kontrollView(version, state));
  });

  app.post("/kontroller/:id/points/:pointId", async (c) => {
    const id = requireId(c, "kontroll");
    const pointId = requireId(c, "check point", "pointId");
    const body = await parseBody(c, RecordPointBody);
    const { state } = await readKontroll(c, id);
    const result = await askKontroll(c, id, {
      type: "record_point",
      pointId,
      value: body.value,
      passed: body.passed,
      comment: body.comment,
      by: participant(state, body.by),
      at: now(),
    }, "kontroll.record_point");
    return kontrollReply(c, result);
  });

  app.post(
    "/kontroller/:id/photos",
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
      const { state } = await readKontroll(c, id);
      const fileId = await newId(c, `${KONTROLL}:${id}:photo`);
      const info = await files.put(fileId, upload.data, {
        contentType: upload.contentType,
        accept: PhotoLimits.contentTypes,
        maxBytes: PhotoLimits.maxBytes,
        signal: c.get("signal"),
      });
      let result;
      try {
        result = await askKontroll(c, id, {
          type: "attach_photo",
          pointId: upload.fields.pointId,
          photo: {
            fileId,
            contentType: info.contentType,
            size: info.size,
            sha256: info.sha256,
          },
          by: participant(state, upload.fields.by),
          at: now(),
        }, "kontroll.attach_photo");
      } catch (error) {
        const after = await system.read<KontrollState>(KONTROLL, id);
        const kept = after.state?.points.some((p) =>
          p.photos.some((photo) => photo.fileId === fileId)
        );
        if (!kept) await files.delete(fileId).catch(() => {});
        throw error;
      }
      writeHeaders(c, result);
      c.header("Location", `/api/v1/kontroller/${id}/photos/${fileId}`);
      return c.json({
        ...kontrollView(result.version, result.state!),
        photo: { ...info, pointId: upload.fields.pointId },
      }, 201);
    },
  );

  app.get("/kontroller/:id/photos/:fileId", async (c) => {
    const id = requireId(c, "kontroll");
    const fileId = requireId(c, "photo", "fileId");
    const { state } = await readKontroll(c, id);
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

  app.post("/kontroller/:id/complete", async (c) => {
    const id = requireId(c, "kontroll");
    await parseOptionalBody(c, CompleteKontrollBody);
    const { state } = await readKontroll(c, id);
    const result = await askKontroll(c, id, {
      type: "complete",
      by: participant(state, ParticipantRole.LAERER),
      at: now(),
    }, "kontroll.complete");
    return kontrollReply(c, result);
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
        "kontroll.invalid_upload",
        "Not a valid multipart body",
        {
          status: 422,
        },
      );
    }
    const file = form.get("file");
    if (!(file instanceof File)) {
      throw new DomainError(
        "kontroll.invalid_upload",
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
