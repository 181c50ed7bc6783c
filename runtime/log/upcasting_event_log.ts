import type { EventUpcasters } from "../core/mod.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "../core/mod.ts";

/**
 * A decorator that makes every read of a log current: the events of each
 * commit `readStream` and `readFeed` return, and the recent commands of a
 * loaded snapshot, are upcast by `upcasters`. Appends, snapshots written,
 * `watch` and `headPosition` pass through; nothing stored is rewritten.
 * Commits whose events are all current come back as the same objects, so
 * the hot path allocates nothing.
 *
 * An event this code cannot read (a version newer than it knows) is never
 * handed out as something else. `readStream` fails with an
 * `EventVersionError` naming the commit: an actor never folds part of its
 * history. `readFeed` returns that event as stored, so only the consumers
 * of its type meet it, and they refuse it (`assertCurrentVersion`: a
 * projection halts at that commit), while the others go on.
 *
 * @example
 * ```ts
 * const log = new UpcastingEventLog(await KvEventLog.open(path), upcasters);
 * const system = new ActorSystem({ log }); // replays current events only
 * ```
 */
export class UpcastingEventLog implements EventLog {
  readonly inner: EventLog;
  readonly upcasters: EventUpcasters;

  constructor(inner: EventLog, upcasters: EventUpcasters) {
    this.inner = inner;
    this.upcasters = upcasters;
  }

  append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    return this.inner.append(request, options);
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
    return this.#upcast(commits, false);
  }

  async readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    const commits = await this.inner.readFeed(afterPosition, limit, options);
    return this.#upcast(commits, true);
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
    let recent: Snapshot["recent"] | null = null;
    for (let i = 0; i < snapshot.recent.length; i++) {
      const record = snapshot.recent[i];
      const events = this.upcasters.upcastEvents(record.events);
      if (recent === null && events !== record.events) {
        recent = snapshot.recent.slice(0, i);
      }
      recent?.push(events === record.events ? record : { ...record, events });
    }
    return recent === null ? snapshot : { ...snapshot, recent };
  }

  saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    return this.inner.saveSnapshot(type, id, snapshot, options);
  }

  watch(listener: (position: number) => void): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #upcast(commits: Commit[], lenient: boolean): Commit[] {
    let out: Commit[] | null = null;
    for (let i = 0; i < commits.length; i++) {
      const commit = this.upcasters.upcastCommit(commits[i], { lenient });
      if (out === null && commit !== commits[i]) out = commits.slice(0, i);
      out?.push(commit);
    }
    return out ?? commits;
  }
}
