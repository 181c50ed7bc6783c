/**
 * The distributed log's side of backup and restore: the snapshots of
 * `tms_snapshots` with their streams, and writing a backup's commits into an
 * empty `TMS_EVENTS` at their own sequences (= positions), with their stored
 * headers (message id, command id, version, time, trace context), pipelined
 * and fenced per subject like an append.
 */
import { jetstream, jetstreamManager } from "../../../deps.ts";
import type { KV, NatsConnection } from "../../../deps.ts";
import { isJetStreamApiError } from "../../../deps.ts";
import { JetStreamPublisher } from "../../nats/mod.ts";
import type { PublishAck } from "../../nats/mod.ts";
import { JetStreamErrorCodes } from "../../nats/mod.ts";
import { openSnapshotBucket } from "../../nats/mod.ts";
import { JetStreamNames } from "../../core/mod.ts";
import {
  commitSubject,
  encodeCommit,
  parseSnapshotKey,
  snapshotKey,
} from "./commit.ts";
import type { Commit, Snapshot } from "../../core/mod.ts";

/** Publishes in flight at once during an import. */
const WINDOW = 256;

/** Every snapshot of the bucket with its stream. */
export async function* jetStreamSnapshots(
  nc: NatsConnection,
): AsyncIterable<{ type: string; id: string; snapshot: Snapshot }> {
  const kv = await openSnapshotBucket(jetstream(nc), { replicas: 1 })
    .catch(() => null);
  if (!kv) return;
  for await (const key of await kv.keys()) {
    const stream = parseSnapshotKey(key);
    if (!stream) continue;
    const entry = await kv.get(key);
    if (!entry || entry.operation !== "PUT") continue;
    yield { ...stream, snapshot: entry.json<Snapshot>() };
  }
}

/**
 * What the stream and the snapshot bucket hold: the stream's last sequence
 * (0 when it does not exist or never held a message) and whether any
 * snapshot is stored.
 */
export async function jetStreamContents(
  nc: NatsConnection,
): Promise<{ lastSeq: number; snapshots: boolean }> {
  const jsm = await jetstreamManager(nc);
  let lastSeq = 0;
  try {
    lastSeq = (await jsm.streams.info(JetStreamNames.stream)).state.last_seq;
  } catch (error) {
    if (!isJetStreamApiError(error, JetStreamErrorCodes.streamNotFound)) {
      throw error;
    }
  }
  let snapshots = false;
  try {
    const info = await jsm.streams.info(`KV_${JetStreamNames.snapshots}`);
    snapshots = info.state.messages > 0;
  } catch (error) {
    if (!isJetStreamApiError(error, JetStreamErrorCodes.streamNotFound)) {
      throw error;
    }
  }
  return { lastSeq, snapshots };
}

/**
 * Writes commits into an empty `TMS_EVENTS` (its last sequence must be
 * where the commits continue): each commit is published with the headers it
 * had, fenced by the subject's last sequence, up to `WINDOW` at once; an ack
 * at another sequence than the commit's position stops the import.
 */
export class JetStreamImporter {
  readonly #publisher: JetStreamPublisher;
  readonly #kv: KV;
  readonly #lastBySubject = new Map<string, number>();
  #position: number;

  private constructor(publisher: JetStreamPublisher, kv: KV, position: number) {
    this.#publisher = publisher;
    this.#kv = kv;
    this.#position = position;
  }

  /** The stream must exist (open the event log first) and be empty. */
  static async open(
    nc: NatsConnection,
    options: { replicas?: number } = {},
  ): Promise<JetStreamImporter> {
    const { lastSeq } = await jetStreamContents(nc);
    if (lastSeq > 0) {
      throw new RangeError(`${JetStreamNames.stream} holds messages already`);
    }
    const kv = await openSnapshotBucket(jetstream(nc), {
      replicas: options.replicas ?? 1,
    });
    return new JetStreamImporter(
      new JetStreamPublisher(nc, { timeoutMs: 30_000 }),
      kv,
      0,
    );
  }

  get position(): number {
    return this.#position;
  }

  async write(commits: readonly Commit[]): Promise<void> {
    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;
    for (const commit of commits) {
      if (failure) break;
      if (commit.position !== this.#position + 1) {
        throw new RangeError(
          `Commit at position ${commit.position} does not follow ${this.#position}`,
        );
      }
      this.#position = commit.position;
      const subject = commitSubject(commit.type, commit.id);
      const expected = this.#lastBySubject.get(subject) ?? 0;
      this.#lastBySubject.set(subject, commit.position);
      const { headers, body } = encodeCommit(
        {
          type: commit.type,
          id: commit.id,
          expectedVersion: commit.version - 1,
          commandId: commit.commandId,
          events: commit.events,
          meta: commit.meta,
        },
        expected,
        commit.timestamp,
      );
      const work = this.#publisher.publish(subject, headers, body).then(
        (ack: PublishAck) => {
          if (ack.duplicate || ack.seq !== commit.position) {
            throw new Error(
              `Commit ${commit.type}/${commit.id}@${commit.version} landed at ${ack.seq}, not ${commit.position}`,
            );
          }
        },
      ).catch((error) => {
        failure ??= error;
      });
      inflight.add(work);
      void work.finally(() => inflight.delete(work));
      if (inflight.size >= WINDOW) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    if (failure) throw failure;
  }

  async writeSnapshot(type: string, id: string, snapshot: Snapshot) {
    await this.#kv.put(snapshotKey(type, id), JSON.stringify(snapshot));
  }

  close(): void {
    this.#publisher.close();
  }
}
