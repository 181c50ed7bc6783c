import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import type { FileInfo, FileStore } from "../../runtime/storage/mod.ts";
import type { KontrollEvent } from "./events.ts";
import { KONTROLL, PhotoLimits } from "./types.ts";
import type { KontrollState, Participant } from "./types.ts";

export interface AttachPhotoInput {
  id: string;
  pointId: string;
  /** Where the bytes go in the file store (derived from the Idempotency-Key). */
  fileId: string;
  contentType: string;
  data: Uint8Array | ReadableStream<Uint8Array>;
  by: Participant;
  at: string;
}

/**
 * Stores a photo (type, size and signature checked by the file store) and
 * attaches it to a check point. When the kontroll refuses, the stored file is
 * deleted again unless the kontroll holds it after all (a retry whose first
 * attempt landed), so no orphan bytes are left.
 */
export async function attachPhoto(
  system: ActorClient,
  files: FileStore,
  input: AttachPhotoInput,
  options: AskOptions = {},
): Promise<
  { result: AskResult<KontrollEvent, KontrollState>; info: FileInfo }
> {
  const info = await files.put(input.fileId, input.data, {
    contentType: input.contentType,
    accept: PhotoLimits.contentTypes,
    maxBytes: PhotoLimits.maxBytes,
    signal: options.signal,
  });
  try {
    const result = await system.ask<KontrollEvent, KontrollState>(
      KONTROLL,
      input.id,
      {
        type: "attach_photo",
        pointId: input.pointId,
        photo: {
          fileId: input.fileId,
          contentType: info.contentType,
          size: info.size,
          sha256: info.sha256,
        },
        by: input.by,
        at: input.at,
      },
      options,
    );
    return { result, info };
  } catch (error) {
    const after = await system.read<KontrollState>(KONTROLL, input.id);
    const kept = after.state?.points.some((p) =>
      p.photos.some((photo) => photo.fileId === input.fileId)
    );
    if (!kept) await files.delete(input.fileId).catch(() => {});
    throw error;
  }
}
