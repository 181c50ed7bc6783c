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
 *   `MemoryKeyStore`, `FsKeyStore` (`$TMS_DATA_DIR/keys`) and `NatsKeyStore`
 *   (JetStream KV `tms_keys`, history 1, shred = purge, no cache on nodes).
 *
 * Imports `core`, `nats`.
 */
export {
  checkFileId,
  FileErrorCode,
  matchesSignature,
  MemoryFileStore,
  readChecked,
  sha256Hex,
} from "./file_store.ts";
export type {
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
export { AesKeyStore, MemoryKeyStore } from "./key_store.ts";
export type { EncryptedValue, KeyStore, StoredKey } from "./key_store.ts";
export { FsKeyStore } from "./fs_key_store.ts";
export { NatsKeyStore } from "./nats_key_store.ts";
export type { NatsKeyStoreOptions } from "./nats_key_store.ts";
