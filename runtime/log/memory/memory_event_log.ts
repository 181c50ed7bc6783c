import { copy } from "./copy.ts";
import { ConcurrencyError, UnavailableError } from "../../core/mod.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "../../core/mod.ts";
import { Watchers } from "../../core/mod.ts";

/** An `EventLog` held in memory: for unit tests and as the reference backend. */
export class MemoryEventLog implements EventLog {
  #streams = new Map<string, Commit[]>();
  #feed: Commit[] = [];
  #snapshots = new Map<string, Snapshot>();
  #watchers = new Watchers();
  #closed = false;

  append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    return this.#run(options, () => {
      const key = streamKey(request.type, request.id);
      const stream = this.#streams.get(key) ?? [];
      if (stream.length !== request.expectedVersion) {
        throw new ConcurrencyError(
          `Stream ${key} is at version ${stream.length}, not ${request.expectedVersion}`,
          request.expectedVersion,
          stream.length,
        );
      }
      const commit: Commit = {
        type: request.type,
        id: request.id,
        version: stream.length + 1,
        position: this.#feed.length + 1,
        commandId: request.commandId,
        timestamp: Date.now(),
        events: copy(request.events),
        ...(request.meta ? { meta: { ...request.meta } } : {}),
      };
      stream.push(commit);
      this.#streams.set(key, stream);
      this.#feed.push(commit);
      queueMicrotask(() => this.#watchers.notify(commit.position));
      return {
        version: commit.version,
        position: commit.position,
        timestamp: commit.timestamp,
      };
    });
  }

  readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    return this.#run(options, () => {
      const stream = this.#streams.get(streamKey(type, id)) ?? [];
      return copy(stream.slice(afterVersion));
    });
  }

  readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    return this.#run(
      options,
      () => copy(this.#feed.slice(afterPosition, afterPosition + limit)),
    );
  }

  headPosition(options?: SignalOptions): Promise<number> {
    return this.#run(options, () => this.#feed.length);
  }

  loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    return this.#run(options, () => {
      const snapshot = this.#snapshots.get(streamKey(type, id));
      return snapshot ? copy(snapshot) : null;
    });
  }

  saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    return this.#run(options, () => {
      this.#snapshots.set(streamKey(type, id), copy(snapshot));
    });
  }

  watch(listener: (position: number) => void): () => void {
    return this.#watchers.add(listener);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
    return Promise.resolve();
  }

  #run<T>(options: SignalOptions | undefined, fn: () => T): Promise<T> {
    try {
      options?.signal?.throwIfAborted();
      if (this.#closed) throw new UnavailableError("Event log is closed");
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function streamKey(type: string, id: string): string {
  return `${type}/${id}`;
}
