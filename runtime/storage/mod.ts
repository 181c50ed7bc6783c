/**
 * @module storage
 *
 * Stores beside the event log:
 *
 * - files (photos, receipts): the `FileStore` contract with size, type and
 *   signature checks and content hashes; `MemoryFileStore`, `FsFileStore`
 *   (`$TMS_DATA_DIR/files`, embedded) and `ObjectFileStore` (JetStream
 *   object store `tms_files`, distributed);
 * - per-person keys for personal data (crypto-shredding): `AesKeyStore`
 *   (AES-256-GCM, one key per data subject; shredding deletes the key) over
 *   `MemoryKeyStore`, `KvKeyStore` (`$TMS_DATA_DIR/keys.kv`: `["key",
 *   subject]` → the stored key, new keys by group commit; it takes in the
 *   `keys/<subject>.json` files of earlier versions) and `NatsKeyStore`
 *   (JetStream KV `tms_keys`, history 1, shred = purge, no cache on nodes);
 *   shredding leaves a tombstone (`{ keyId: "<subject>:shredded", key: "",
 *   shreddedAt }`), so an erased subject never gets a key again; and
 *   `KeyStoreSealer`, the `EventSealer` that seals declared event fields and
 *   whole snapshots with the data subject's key (for `SealingEventLog`);
 *   every file and key store also lists what it holds and takes it back as
 *   it was (`FileArchive`, `exportKeys`/`importKey`), for backup and restore;
 * - dead letters (commands whose actor parked, poison commits that halt a
 *   projection): the store's state machine written once over four
 *   primitives (`DeadLetterStoreBase`: read with revision, compare-and-set
 *   write, scan, delete), with `MemoryDeadLetterStore`, `KvDeadLetterStore`
 *   (a Deno KV file of its own, `$TMS_DATA_DIR/deadletters.kv`, owner-only:
 *   `["dead_letter", id]` → JSON bytes, `["dead_letter_meta", "changes"]` a
 *   counter every atomic adds to) and `NatsDeadLetterStore` (JetStream KV
 *   `tms_dead_letters`, key = letter id, history 1, purge on delete); and
 *   `DeadLetterOffice`, the node's loop that writes reports (buffered while
 *   the store is down), performs requested retries (claimed by
 *   compare-and-set, so one node does each), purges closed letters after the
 *   retention time and reports counts for `/health/ready` and `/metrics`.
 *
 * Imports `core`, `nats`.
 */
export {
  checkFileId,
  checkRestored,
  FileErrorCode,
  matchesSignature,
  MemoryFileStore,
  readChecked,
  sha256Hex,
} from "./file_store.ts";
export type {
  FileArchive,
  FileInfo,
  FilePutOptions,
  FileStore,
  StoredFile,
} from "./file_store.ts";
export { FsFileStore } from "./fs_file_store.ts";
export { ObjectFileStore } from "./object_file_store.ts";
export type {
  ObjectFileStoreConnectOptions,
  ObjectFileStoreOptions,
} from "./object_file_store.ts";
export {
  AesKeyStore,
  isTombstone,
  KeyErrorCode,
  MemoryKeyStore,
} from "./key_store.ts";
export { isEncryptedValue, KeyStoreSealer } from "./key_store_sealer.ts";
export type { SealedFields, SealingSpec } from "./key_store_sealer.ts";
export type { EncryptedValue, KeyStore, StoredKey } from "./key_store.ts";
export { KvKeyStore, openEmbeddedKeyStore } from "./kv_key_store.ts";
export { NatsKeyStore } from "./nats_key_store.ts";
export type { NatsKeyStoreOptions } from "./nats_key_store.ts";
export {
  DeadLetterStoreBase,
  MAX_DEAD_LETTER_BYTES,
} from "./dead_letter_store.ts";
export { MemoryDeadLetterStore } from "./memory_dead_letter_store.ts";
export type { VersionedLetter } from "./dead_letter_store.ts";
export { KvDeadLetterStore } from "./kv_dead_letter_store.ts";
export { NatsDeadLetterStore } from "./nats_dead_letter_store.ts";
export type { NatsDeadLetterStoreOptions } from "./nats_dead_letter_store.ts";
export { DeadLetterOffice } from "./dead_letter_office.ts";
export type {
  DeadLetterOfficeOptions,
  DeadLetterReadiness,
  DeadLetterSummary,
} from "./dead_letter_office.ts";
