import { jetstream, jetstreamManager, natsConnect } from "../../../deps.ts";
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  KV,
  NatsConnection,
  Status,
  StreamConfig,
} from "../../../deps.ts";
import { abortable, backoff, delay } from "../../core/mod.ts";
import { UnavailableError } from "../../core/mod.ts";
import { commitSubject, encodeCommit, snapshotKey } from "./commit.ts";
import { JetStreamPublisher } from "../../nats/mod.ts";
import type { PublishAck } from "../../nats/mod.ts";
import { IntegrityError, JetStreamReader } from "./reader.ts";
import { conflict, translateError } from "./errors.ts";
import { isWrongLastSequence } from "../../nats/mod.ts";
import type { Head } from "./reader.ts";
import { assertCount, headCache } from "./options.ts";
import type {
  JetStreamConnectOptions,
  JetStreamEventLogOptions,
  Settings,
} from "./options.ts";
import { withPublishSpan } from "./publish_span.ts";
import { ensureEventStream, openSnapshotBucket } from "../../nats/mod.ts";
import { JetStreamNames } from "../../core/mod.ts";
import type {
  AppendRequest,
  AppendResult,
  Commit,
  EventLog,
  SignalOptions,
  Snapshot,
} from "../../core/mod.ts";
import { Watchers } from "../../core/mod.ts";
import { tracingEnabled } from "../../telemetry/mod.ts";

const OPEN_ATTEMPTS = 5;

/**
 * The distributed `EventLog` on NATS JetStream: one subject per aggregate,
 * the expected-subject-sequence fence, per-stream heads cached from acks and
 * reads, snapshots in `tms_snapshots` — the layout and the reasons are in this
 * package's `mod.ts`.
 *
 * @example
 * ```ts
 * const log = await JetStreamEventLog.connect({ servers: "nats://127.0.0.1:4222" });
 * await log.append({ type: "bedrift", id: "1", expectedVersion: 0, commandId: "c1", events: [] });
 * await log.close();
 * ```
 */
export class JetStreamEventLog implements EventLog {
  readonly #nc: NatsConnection;
  readonly #ownsConnection: boolean;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #kv: KV;
  readonly #reader: JetStreamReader;
  readonly #publisher: JetStreamPublisher;
  readonly #settings: Settings;
  #heads = headCache();
  #anchors = headCache();
  #watchers = new Watchers();
  #notified = 0;
  #inflight = new Set<Promise<unknown>>();
  #closed = false;
  #connected = true;
  #stop = new AbortController();
  #follower: Promise<void> | null = null;
  #followed: ConsumerMessages | null = null;
  #status: Promise<void>;
  #statuses: StatusIterator | null = null;

  private constructor(
    nc: NatsConnection,
    ownsConnection: boolean,
    js: JetStreamClient,
    jsm: JetStreamManager,
    kv: KV,
    stream: StreamConfig,
    settings: Settings,
  ) {
    this.#nc = nc;
    this.#ownsConnection = ownsConnection;
    this.#js = js;
    this.#jsm = jsm;
    this.#kv = kv;
    this.#settings = settings;
    this.#publisher = new JetStreamPublisher(nc, {
      timeoutMs: settings.timeout,
    });
    this.#reader = new JetStreamReader(js, jsm, {
      direct: stream.allow_direct === true,
      replicated: stream.num_replicas > 1,
      scanThreshold: settings.scanThreshold,
      timeout: settings.timeout,
      retryAfter: settings.retryAfter,
    }, (work) => this.#track(work));
    this.#status = this.#watchStatus();
  }

  /** Connects to `servers`, then opens the log; `close()` closes the connection. */
  static async connect(
    options: JetStreamConnectOptions,
  ): Promise<JetStreamEventLog> {
    options.signal?.throwIfAborted();
    let nc: NatsConnection;
    try {
      nc = await natsConnect({
        servers: options.servers,
        name: options.name ?? "tms-event-log",
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: options.requestTimeoutMs ?? 5_000,
        // Async stack traces build an Error per request: half the throughput.
        noAsyncTraces: true,
      });
    } catch (error) {
      throw new UnavailableError("NATS could not be reached", {
        retryAfter: options.retryAfter,
        cause: error,
      });
    }
    try {
      return await JetStreamEventLog.#open(nc, true, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /**
   * Opens the log on a connection the caller owns (and closes): creates the
   * stream and the snapshot bucket when they do not exist yet.
   */
  static open(
    nc: NatsConnection,
    options: JetStreamEventLogOptions = {},
  ): Promise<JetStreamEventLog> {
    return JetStreamEventLog.#open(nc, false, options);
  }

  static async #open(
    nc: NatsConnection,
    owns: boolean,
    options: JetStreamEventLogOptions,
  ): Promise<JetStreamEventLog> {
    options.signal?.throwIfAborted();
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new RangeError("Replicas must be an integer from 1 to 5");
    }
    const timeout = options.requestTimeoutMs ?? 5_000;
    const settings: Settings = {
      retryAfter: options.retryAfter ?? 1,
      timeout,
      scanThreshold: options.scanThreshold ?? 32,
    };
    // Nodes starting together race to create the replicated stream; requests
    // to it time out until its first leader is elected: try a few times.
    let failure: unknown;
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        await delay(backoff(attempt, 200, 2_000), { signal: options.signal });
      }
      try {
        const jsm = await jetstreamManager(nc, { timeout });
        const js = jetstream(nc, { timeout });
        const stream = await ensureEventStream(jsm, {
          replicas,
          duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
        });
        const kv = await openSnapshotBucket(js, {
          replicas: stream.num_replicas,
        });
        return new JetStreamEventLog(nc, owns, js, jsm, kv, stream, settings);
      } catch (error) {
        if (error instanceof RangeError || error instanceof TypeError) {
          throw error;
        }
        failure = error;
      }
    }
    throw new UnavailableError("JetStream event log could not be opened", {
      retryAfter: settings.retryAfter,
      cause: failure,
    });
  }

  /** True while the connection to NATS is up. */
  get connected(): boolean {
    return this.#connected && !this.#nc.isClosed();
  }

  async append(
    request: AppendRequest,
    options?: SignalOptions,
  ): Promise<AppendResult> {
    const subject = commitSubject(request.type, request.id);
    if (
      !Number.isInteger(request.expectedVersion) ||
      request.expectedVersion < 0
    ) {
      throw new RangeError("Expected version must be a non-negative integer");
    }
    if (!tracingEnabled()) {
      return await this.#io(options, () => this.#append(subject, request));
    }
    // A PRODUCER span per commit; the commit carries its context.
    return await withPublishSpan(
      subject,
      request,
      (traced) => this.#io(options, () => this.#append(subject, traced)),
    );
  }

  async readStream(
    type: string,
    id: string,
    afterVersion: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    const subject = commitSubject(type, id);
    assertCount("After version", afterVersion);
    return await this.#io(options, async () => {
      const known = [this.#anchors.get(subject), this.#heads.get(subject)];
      const { commits, head } = await this.#reader.readStream(
        subject,
        afterVersion,
        known,
      );
      if (head) {
        this.#rememberHead(subject, {
          version: head.version,
          seq: head.position,
        });
      }
      return commits;
    });
  }

  async readFeed(
    afterPosition: number,
    limit: number,
    options?: SignalOptions,
  ): Promise<Commit[]> {
    assertCount("After position", afterPosition);
    assertCount("Limit", limit);
    return await this.#io(
      options,
      () => this.#reader.readFeed(afterPosition, limit),
    );
  }

  headPosition(options?: SignalOptions): Promise<number> {
    return this.#io(options, () => this.#reader.lastSeq());
  }

  async loadSnapshot(
    type: string,
    id: string,
    options?: SignalOptions,
  ): Promise<Snapshot | null> {
    const key = snapshotKey(type, id);
    return await this.#io(options, async () => {
      const entry = await this.#kv.get(key);
      if (!entry || entry.operation !== "PUT") return null;
      const snapshot = entry.json<Snapshot>();
      if (snapshot.version > 0 && snapshot.position > 0) {
        this.#anchors.set(commitSubject(type, id), {
          version: snapshot.version,
          seq: snapshot.position,
        });
      }
      return snapshot;
    });
  }

  async saveSnapshot(
    type: string,
    id: string,
    snapshot: Snapshot,
    options?: SignalOptions,
  ): Promise<void> {
    const key = snapshotKey(type, id);
    return await this.#io(options, async () => {
      await this.#kv.put(key, JSON.stringify(snapshot));
    });
  }

  watch(listener: (position: number) => void): () => void {
    const stop = this.#watchers.add(listener);
    if (!this.#closed) this.#follower ??= this.#follow();
    return stop;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    this.#publisher.close();
    this.#stop.abort();
    this.#watchers.clear();
    const followed = this.#followed;
    if (followed && !this.#nc.isClosed()) {
      await followed.close().catch(() => {});
    }
    await this.#follower;
    if (this.#ownsConnection) await this.#nc.close().catch(() => {});
    this.#statuses?.stop();
    await this.#status;
  }

  async #append(
    subject: string,
    request: AppendRequest,
  ): Promise<AppendResult> {
    const { expectedVersion } = request;
    let current = this.#heads.get(subject) ?? { version: 0, seq: 0 };
    // Only the server may say the append is stale: the cache can lag (refresh
    // when behind) and must not be trusted when ahead (refresh as well).
    if (
      current.version !== expectedVersion &&
      (current.version > 0 || expectedVersion > 0)
    ) {
      current = await this.#loadHead(subject) ?? { version: 0, seq: 0 };
    }
    if (current.version < expectedVersion) {
      throw conflict(subject, expectedVersion, current.version);
    }
    // A stream already past the expected version can only answer with the
    // commit that holds the version (the message id names it); sequence 0
    // never matches a non-empty subject, so nothing can be written.
    const stale = current.version > expectedVersion;
    const expectedSeq = stale ? 0 : current.seq;
    const timestamp = Date.now();
    let ack: PublishAck;
    try {
      ack = await this.#publish(subject, request, expectedSeq, timestamp);
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
      this.#heads.delete(subject);
      // A clustered leader checks the sequence before the message id: ask once
      // more with sequence 0 (never right for a non-empty subject) so that the
      // holder of the version, if any, is named.
      let probe: PublishAck | null = null;
      if (expectedSeq > 0) {
        probe = await this.#publish(subject, request, 0, timestamp)
          .catch((e) => {
            if (isWrongLastSequence(e)) return null;
            throw e;
          });
      }
      if (!probe?.duplicate) {
        throw conflict(
          subject,
          expectedVersion,
          stale ? current.version : null,
          { cause: error },
        );
      }
      ack = probe;
    }
    if (ack.duplicate) return await this.#duplicate(subject, request, ack.seq);
    if (stale) {
      throw new IntegrityError(
        `Stream ${subject} accepted a commit at a stale version`,
      );
    }
    const version = expectedVersion + 1;
    this.#rememberHead(subject, { version, seq: ack.seq });
    this.#notify(ack.seq);
    return { version, position: ack.seq, timestamp };
  }

  #publish(
    subject: string,
    request: AppendRequest,
    expectedSeq: number,
    timestamp: number,
  ): Promise<PublishAck> {
    const { headers, body } = encodeCommit(request, expectedSeq, timestamp);
    const max = this.#nc.info?.max_payload ?? Infinity;
    if (body.length + headers.length > max) {
      throw new RangeError(
        `Commit of ${body.length} bytes exceeds the ${max} byte payload limit of NATS`,
      );
    }
    return this.#publisher.publish(subject, headers, body);
  }

  /**
   * The message id named a commit that already holds the version: the same
   * command retried (a duplicate), or another command (a conflict).
   */
  async #duplicate(
    subject: string,
    request: AppendRequest,
    seq: number,
  ): Promise<AppendResult> {
    let commit: Commit | null = null;
    // The holder may still be in flight on the leader: wait a little for it.
    for (let attempt = 0; !commit && attempt < 6; attempt++) {
      if (attempt > 0) await delay(10 * 2 ** attempt);
      if (seq > 0) commit = await this.#reader.bySeq(seq);
    }
    if (!commit || commitSubject(commit.type, commit.id) !== subject) {
      throw new UnavailableError(
        `The commit holding ${subject} version ${
          request.expectedVersion + 1
        } could not be read`,
        { retryAfter: this.#settings.retryAfter },
      );
    }
    if (commit.commandId !== request.commandId) {
      throw conflict(subject, request.expectedVersion, commit.version);
    }
    return {
      version: commit.version,
      position: commit.position,
      timestamp: commit.timestamp,
      duplicate: true,
    };
  }

  async #loadHead(subject: string): Promise<Head | null> {
    const last = await this.#reader.last(subject);
    if (!last) return null;
    const head = { version: last.version, seq: last.position };
    this.#rememberHead(subject, head);
    return head;
  }

  #rememberHead(subject: string, head: Head): void {
    const known = this.#heads.get(subject);
    if (known && known.version >= head.version) return;
    this.#heads.set(subject, head);
  }

  #notify(position: number): void {
    if (position <= this.#notified) return;
    this.#notified = position;
    queueMicrotask(() => {
      if (position === this.#notified) this.#watchers.notify(position);
    });
  }

  /** Follows the stream's new sequences with a headers-only ordered consumer. */
  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const head = await this.#reader.lastSeq();
        const consumer = await this.#js.consumers.get(JetStreamNames.stream, {
          opt_start_seq: head + 1,
          headers_only: true,
          inactive_threshold: 30_000,
        });
        const messages = await consumer.consume({ max_messages: 256 });
        this.#followed = messages;
        if (signal.aborted) {
          await messages.close();
        }
        this.#notify(head);
        attempt = 0;
        for await (const message of messages) this.#notify(message.seq);
        await consumer.delete().catch(() => false);
      } catch {
        // retried below until closed
      }
      this.#followed = null;
      await delay(backoff(attempt, 100, 5_000), { signal }).catch(() => {});
    }
  }

  async #watchStatus(): Promise<void> {
    const statuses = this.#nc.status() as StatusIterator;
    this.#statuses = statuses;
    for await (const status of statuses) {
      if (status.type === "disconnect") this.#connected = false;
      if (status.type === "reconnect") this.#connected = true;
    }
  }

  async #io<T>(
    options: SignalOptions | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    if (this.#closed || this.#nc.isClosed()) {
      throw new UnavailableError("Event log is closed", {
        retryAfter: this.#settings.retryAfter,
      });
    }
    if (!this.#connected) {
      throw new UnavailableError("NATS connection is down", {
        retryAfter: this.#settings.retryAfter,
      });
    }
    const work = fn().catch((error) => {
      throw translateError(error, this.#settings.retryAfter);
    });
    this.#track(work);
    return signal ? await abortable(work, signal) : await work;
  }

  /** Remembers work that `close()` must wait for. */
  #track(work: Promise<unknown>): void {
    this.#inflight.add(work);
    const done = () => this.#inflight.delete(work);
    work.then(done, done);
  }
}

type StatusIterator = AsyncIterable<Status> & { stop(): void };
