/**
 * Snapshots on Deno KV, whatever their size. A value holds at most 64 KiB
 * (`KV_LIMITS.valueBytes`): an invoice of ~200 lines or a kontroll of ~120
 * recorded points is larger, and `kv.set` refuses it — such an actor was
 * never snapshotted and replayed its whole stream on every activation. A
 * snapshot is serialized once (V8's format, as Deno KV stores values): when
 * it fits, the bytes are one value under `["snapshot", type, id]`; a larger
 * one is split into parts under `["snapshot_part", type, id, version, i]`,
 * written in the same atomic as a marker `{ snapshotParts, bytes, version }`
 * under the snapshot key (and the deletion of older parts), so a reader sees
 * the old snapshot or the whole new one, never a mix.
 * A snapshot stored as a plain value (before this layout) still reads.
 */
import { Buffer } from "node:buffer";
import { deserialize, serialize } from "node:v8";
import type { Snapshot } from "../../core/mod.ts";
import { KV_LIMITS, KvKeys } from "./layout.ts";

/** Key prefix of the parts of a snapshot too large for one value. */
export const SNAPSHOT_PART = "snapshot_part";

/** Bytes per part: below the value limit with room for the key. */
const PART_BYTES = KV_LIMITS.valueBytes - 1024;

/**
 * What the snapshot key holds when the snapshot is stored in parts: their
 * count, their bytes, and the snapshot's version, which names the parts
 * (`["snapshot_part", type, id, version, i]`), so a reader never joins parts
 * of two snapshots.
 */
interface PartsMarker {
  snapshotParts: number;
  bytes: number;
  version: number;
}

function isMarker(value: unknown): value is PartsMarker {
  return typeof value === "object" && value !== null &&
    typeof (value as PartsMarker).snapshotParts === "number";
}

/** The latest snapshot of one stream, or null. */
export async function readSnapshot(
  kv: Deno.Kv,
  type: string,
  id: string,
): Promise<Snapshot | null> {
  const entry = await kv.get<Snapshot | PartsMarker | Uint8Array>([
    KvKeys.snapshot,
    type,
    id,
  ]);
  return await resolveSnapshot(kv, type, id, entry.value);
}

/** The snapshot a snapshot key's value stands for (its parts joined). */
export async function resolveSnapshot(
  kv: Deno.Kv,
  type: string,
  id: string,
  value: Snapshot | PartsMarker | Uint8Array | null,
): Promise<Snapshot | null> {
  if (value instanceof Uint8Array) return deserialize(value) as Snapshot;
  if (!isMarker(value)) return value;
  const keys = Array.from(
    { length: value.snapshotParts },
    (_, i) => [SNAPSHOT_PART, type, id, value.version, i],
  );
  const parts: Uint8Array[] = [];
  for (let i = 0; i < keys.length; i += KV_LIMITS.getMany) {
    const entries = await kv.getMany<Uint8Array[]>(
      keys.slice(i, i + KV_LIMITS.getMany),
    );
    for (const entry of entries) {
      // A part missing: a newer snapshot replaced these after the marker
      // was read. No usable snapshot (the actor replays from the start,
      // which is always correct).
      if (!entry.value) return null;
      parts.push(entry.value);
    }
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length !== value.bytes) return null;
  return deserialize(bytes) as Snapshot;
}

/**
 * Stores a stream's snapshot, serialized once: one value when it fits,
 * else parts and a marker in one atomic. A snapshot over the atomic's own
 * limit (~800 KiB) is refused with a `RangeError`, as a commit over its limit.
 */
export async function writeSnapshot(
  kv: Deno.Kv,
  type: string,
  id: string,
  snapshot: Snapshot,
): Promise<void> {
  const bytes = new Uint8Array(serialize(snapshot));
  if (bytes.length <= PART_BYTES) {
    await kv.set([KvKeys.snapshot, type, id], bytes);
    return;
  }
  const count = Math.ceil(bytes.length / PART_BYTES);
  if (bytes.length + count * 256 > KV_LIMITS.bytes) {
    throw new RangeError(
      `Snapshot of ${type}/${id} too large: ${bytes.length} bytes (at most ${
        KV_LIMITS.bytes - count * 256
      } in parts)`,
    );
  }
  // Parts of earlier snapshots (another version, or left when a snapshot
  // that fitted in one value replaced them) go in the same atomic.
  const stale: Deno.KvKey[] = [];
  for await (const entry of kv.list({ prefix: [SNAPSHOT_PART, type, id] })) {
    if (entry.key[3] !== snapshot.version) stale.push(entry.key);
  }
  const atomic = kv.atomic();
  for (const key of stale) atomic.delete(key);
  for (let i = 0; i < count; i++) {
    atomic.set(
      [SNAPSHOT_PART, type, id, snapshot.version, i],
      bytes.subarray(i * PART_BYTES, (i + 1) * PART_BYTES),
    );
  }
  atomic.set(
    [KvKeys.snapshot, type, id],
    {
      snapshotParts: count,
      bytes: bytes.length,
      version: snapshot.version,
    } satisfies PartsMarker,
  );
  await atomic.commit();
}
