/**
 * Reading a kontroll photo upload: multipart or the raw bytes.
 */
import type { Context } from "../deps.ts";
import { DomainError } from "../runtime/core/mod.ts";
import { KontrollErrorCode } from "../actors/kontroll/mod.ts";
import { PhotoUploadFields } from "../schemas/mod.ts";

/**
 * A photo upload: `multipart/form-data` with a `file` part and the fields
 * `pointId` (and `by`), or the raw bytes with their `Content-Type` and the
 * fields as query parameters.
 */
export async function readUpload(c: Context) {
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
