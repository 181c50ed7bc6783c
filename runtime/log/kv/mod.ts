/**
 * @module log/kv
 *
 * `KvEventLog`: the embedded default, Deno KV written like a WAL. A KV atomic
 * costs per mutation and per B-tree page dirtied, not per fsync (measured:
 * 100 sequential sets ≈ 3 ms, two 100-commit chunk values ≈ 0.5 ms), so:
 *
 * | key | value |
 * | --- | --- |
 * | `["feed", firstPosition]` | a chunk of consecutive commits (≤ 64 commits / 32 KiB), written by group commit |
 * | `["meta", "position"]` | the newest feed position; its versionstamp is the fence |
 * | `["stream", type, id, fromVersion]` | `{ to, chunks }`: where a stream's versions live, written in the background |
 * | `["meta", "indexed"]` | the feed position the stream index has caught up with |
 * | `["snapshot", type, id]` | the latest snapshot of one actor, V8-serialized bytes, or `{ snapshotParts, bytes, version }` when those are over 64 KiB |
 * | `["snapshot_part", type, id, version, i]` | part `i` of such a snapshot (written in one atomic with the marker, older parts deleted in it) |
 * | `["checkpoint", name]` | a named feed checkpoint (`KvFeedCheckpoints`: the integration relay's), versionstamp-checked |
 *
 * Appends that arrive while an atomic is in flight are written together
 * (group commit): one atomic writes their chunks and moves
 * `["meta","position"]`, checked against the versionstamp this process last
 * wrote or recovered; a commit is acknowledged once its chunk is written.
 * Every append changes that versionstamp, which makes the instance's stream
 * heads authoritative; when another process wrote, the instance recovers
 * (re-reads the position and the unindexed feed) and re-validates each
 * commit's expected version: a second writer causes recovery, never a fork. Commits not yet indexed live in
 * memory and are rebuilt from the feed on open; live feed readers are served
 * the newest commits from memory. There is no per-stream head key.
 */
export { KvEventLog } from "./kv_event_log.ts";
export { KvFeedReader, KvFeedWriter } from "./archive.ts";
export { KvFeedCheckpoints } from "./checkpoints.ts";
export type { KvEventLogOptions } from "./options.ts";
export {
  KV_INDEXED_KEY,
  KV_LIMITS,
  KV_POSITION_KEY,
  KvKeys,
} from "./layout.ts";
