import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  EventSealer,
  SignalOptions,
  Snapshot,
} from "../core/types.ts";

/**
 * A decorator that keeps personal data out of what a log stores: every
 * append's events and every snapshot go through the `sealer` on the way in
 * (fields encrypted with the data subject's key), every commit read and
 * snapshot loaded on the way out (decrypted; a shredded key reads as
 * `null`). Deciders, projections and history readers see plain values; the
 * stored log, its replicas and its backups see ciphertext.
 *
 * Put it beneath `UpcastingEventLog` (the upcasters then lift opened events)
 * and give every reader of the stored log the same sealer: a log read
 * without it shows ciphertext objects where strings were decided.
 *
 * @example
 * ```ts
 * const log = new UpcastingEventLog(new SealingEventLog(stored, sealer), upcasters);
 * ```
 */
export class SealingEventLog implements EventLog {
  readonly inner: EventLog;
  readonly sealer: EventSealer;

  constructor(inner: EventLog, sealer: EventSealer) {
    this.inner = inner;
    this.sealer = sealer;
  }

  async append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    const events = await this.sealer.seal(request, request.events, options);
    return await this.inner.append({ ...request, events }, options);
  }

  async readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    const commits = await this.inner.readStream(
      type,
      id,
      afterVersion,
      options,
    );
    return await this.sealer.open(commits, options);
  }

  async readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    const commits = await this.inner.readFeed(afterPosition, limit, options);
    return await this.sealer.open(commits, options);
  }

  headPosition(options?: SignalOptions): Promise<number> {
    return this.inner.headPosition(options);
  }

  async loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    const snapshot = await this.inner.loadSnapshot(type, id, options);
    if (snapshot === null) return null;
    return await this.sealer.openSnapshot({ type, id }, snapshot, options);
  }

  async saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    const sealed = await this.sealer.sealSnapshot(
      { type, id },
      snapshot,
      options,
    );
    if (sealed !== null) {
      await this.inner.saveSnapshot(type, id, sealed, options);
    }
  }

  watch(listener: (position: number) => void): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
