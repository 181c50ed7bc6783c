/**
 * Reading a file upload (a kontroll photo, an expense's receipt): multipart
 * or the raw bytes.
 */
import type { Context } from "../deps.ts";
import { DomainError } from "../runtime/core/mod.ts";
import { KontrollErrorCode } from "../actors/kontroll/mod.ts";
import { PhotoUploadFields } from "../schemas/mod.ts";

/** An upload: its declared type, its bytes and its text fields. */
export interface FileUpload {
  contentType: string;
  data: Uint8Array | ReadableStream<Uint8Array>;
  /** The form's text fields (multipart), else the query parameters. */
  fields: Record<string, string | undefined>;
}

/**
 * A file upload: `multipart/form-data` with a `file` part (and text fields),
 * or the raw bytes with their `Content-Type` (and the fields as query
 * parameters). A multipart body that cannot be read, or has no `file`, is a
 * 422 with `invalidCode`. The store checks the type against the bytes.
 */
export async function readFileUpload(
  c: Context,
  invalidCode: string,
): Promise<FileUpload> {
  const type = c.req.header("content-type") ?? "";
  if (type.toLowerCase().startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      throw new DomainError(invalidCode, "Not a valid multipart body", {
        status: 422,
      });
    }
    const file = form.get("file");
    if (!(file instanceof File)) {
      throw new DomainError(
        invalidCode,
        "The multipart body needs a `file` part",
        { status: 422 },
      );
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of form) {
      if (typeof value === "string") fields[name] = value;
    }
    return {
      fields,
      contentType: file.type,
      data: new Uint8Array(await file.arrayBuffer()),
    };
  }
  return {
    fields: c.req.query(),
    contentType: type,
    data: c.req.raw.body ?? new Uint8Array(),
  };
}

/**
 * A photo upload: `multipart/form-data` with a `file` part and the fields
 * `pointId` (and `by`), or the raw bytes with their `Content-Type` and the
 * fields as query parameters.
 */
export async function readUpload(c: Context) {
  const upload = await readFileUpload(c, KontrollErrorCode.INVALID_UPLOAD);
  return {
    ...upload,
    fields: PhotoUploadFields.parse({
      pointId: upload.fields.pointId,
      by: upload.fields.by,
    }),
  };
}
