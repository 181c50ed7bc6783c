import type {
  JetStreamClient,
  JetStreamManager,
  MsgHdrs,
  StoredMsg,
} from "../../../deps.ts";
import { UnavailableError } from "../../core/mod.ts";
import { decodeCommit } from "./commit.ts";
import { JetStreamNames } from "../../core/mod.ts";
import type { Commit } from "../../core/mod.ts";

/** A stream version and the stream sequence of the commit that made it. */
export interface Head {
  version: number;
  seq: number;
}

/** How the reader reaches the stream. */
export interface ReaderSettings {
  /** The stream allows direct gets. */
  direct: boolean;
  /** The stream has replicas that may lag its leader. */
  replicated: boolean;
  /** Reads of more messages than this use an ordered consumer. */
  scanThreshold: number;
  timeout: number;
  retryAfter: number;
}

/** The log found data that breaks its own invariants: a bug, never retried. */
export class IntegrityError extends Error {
  override name = "IntegrityError";
}

const WASTE_LIMIT = 4;

/**
 * The read path of `JetStreamEventLog`: heads by `last_by_subj`, stream tails
 * by `next_by_subj` gets or a filtered ordered consumer, feed pages by direct
 * gets or an ordered consumer. Gets that must see the newest state go to the
 * stream leader when the stream is replicated; gets of messages known to exist
 * try any replica first and fall back to the leader.
 */
export class JetStreamReader {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #settings: ReaderSettings;
  readonly #background: (work: Promise<unknown>) => void;

  constructor(
    js: JetStreamClient,
    jsm: JetStreamManager,
    settings: ReaderSettings,
    background: (work: Promise<unknown>) => void,
  ) {
    this.#js = js;
    this.#jsm = jsm;
    this.#settings = settings;
    this.#background = background;
  }

  /** The stream's last sequence: the feed's head position. */
  async lastSeq(): Promise<number> {
    const info = await this.#jsm.streams.info(JetStreamNames.stream);
    return info.state.last_seq;
  }

  /** The newest commit of a subject (its head), or `null` for a new stream. */
  async last(subject: string): Promise<Commit | null> {
    const query = { last_by_subj: subject };
    const message = this.#settings.direct && !this.#settings.replicated
      ? await this.#jsm.direct.getMessage(JetStreamNames.stream, query)
      : await this.#jsm.streams.getMessage(JetStreamNames.stream, query);
    return message && decodeStored(message);
  }

  /** The commit at a stream sequence, or `null` when there is none. */
  async bySeq(seq: number): Promise<Commit | null> {
    const message = await this.#getBySeq(seq);
    return message && decodeStored(message);
  }

  /**
   * The commits of a subject after `afterVersion`, with the head they end at.
   * `anchors` are known `{ version, seq }` pairs (a snapshot, a cached head)
   * to start from; a wrong one costs a second read, never a wrong answer.
   */
  async readStream(
    subject: string,
    afterVersion: number,
    anchors: (Head | undefined)[],
  ): Promise<{ commits: Commit[]; head: Commit | null }> {
    const head = await this.last(subject);
    if (!head || head.version <= afterVersion) return { commits: [], head };
    if (head.version === afterVersion + 1) return { commits: [head], head };
    const anchor = anchors
      .filter((a): a is Head =>
        a !== undefined && a.version <= afterVersion && a.seq < head.position
      )
      .sort((a, b) => b.version - a.version)[0];
    if (anchor) {
      const commits = await this.#scan(subject, anchor, head, afterVersion);
      if (isComplete(commits, afterVersion, head.version)) {
        return { commits, head };
      }
    }
    const commits = await this.#scan(
      subject,
      { version: 0, seq: 0 },
      head,
      afterVersion,
    );
    if (!isComplete(commits, afterVersion, head.version)) {
      throw new IntegrityError(`Stream ${subject} is missing commits`);
    }
    return { commits, head };
  }

  /** Up to `limit` commits with position > `afterPosition`, in order. */
  async readFeed(afterPosition: number, limit: number): Promise<Commit[]> {
    if (limit === 0) return [];
    const end = Math.min(await this.lastSeq(), afterPosition + limit);
    const count = end - afterPosition;
    if (count <= 0) return [];
    if (count > this.#settings.scanThreshold) {
      const commits: Commit[] = [];
      await this.#consume(undefined, afterPosition + 1, count, end + 1, (c) => {
        if (c) commits.push(c);
      });
      if (commits.length === count || commits.at(-1)?.position === end) {
        return commits;
      }
      throw new UnavailableError("Feed page was cut short", {
        retryAfter: this.#settings.retryAfter,
      });
    }
    const commits = await Promise.all(
      Array.from(
        { length: count },
        (_, i) => this.bySeq(afterPosition + 1 + i),
      ),
    );
    return commits.filter((c): c is Commit => c !== null);
  }

  /** Commits of `subject` after `from` up to and including `head`. */
  async #scan(
    subject: string,
    from: Head,
    head: Commit,
    afterVersion: number,
  ): Promise<Commit[]> {
    const count = head.version - 1 - from.version;
    const commits: Commit[] = [];
    const keep = (commit: Commit | null) => {
      if (commit && commit.version > afterVersion) commits.push(commit);
    };
    const wasted = afterVersion - from.version;
    if (
      count - wasted <= this.#settings.scanThreshold && wasted <= WASTE_LIMIT
    ) {
      let seq = from.seq + 1;
      let version = from.version;
      while (version < head.version - 1) {
        const message = await this.#getNext(subject, seq, head.position);
        const commit = message && decodeStored(message);
        if (!commit || commit.position >= head.position) break;
        keep(commit);
        seq = commit.position + 1;
        version = commit.version;
      }
    } else if (count > 0) {
      await this.#consume(subject, from.seq + 1, count, head.position, keep);
    }
    commits.push(head);
    return commits;
  }

  /**
   * Up to `count` messages from `startSeq` (of one subject when `subject` is
   * set) below `endSeq`, streamed by an ordered consumer deleted afterwards.
   */
  async #consume(
    subject: string | undefined,
    startSeq: number,
    count: number,
    endSeq: number,
    keep: (commit: Commit | null) => void,
  ): Promise<void> {
    const consumer = await this.#js.consumers.get(JetStreamNames.stream, {
      ...(subject ? { filter_subjects: subject } : {}),
      opt_start_seq: startSeq,
      inactive_threshold: 30_000,
    });
    try {
      const messages = await consumer.fetch({
        max_messages: count,
        expires: this.#settings.timeout,
      });
      for await (const message of messages) {
        if (message.seq >= endSeq) continue;
        keep(decodeCommit({
          subject: message.subject,
          seq: message.seq,
          headers: message.headers,
          data: message.data,
          time: () => message.time.getTime(),
        }));
      }
    } finally {
      this.#background(consumer.delete().catch(() => false));
    }
  }

  /**
   * The first message of `subject` from `seq`, known to exist below `bound`:
   * any replica first, the leader when a lagging replica has not got it yet.
   */
  async #getNext(
    subject: string,
    seq: number,
    bound: number,
  ): Promise<StoredMsg | null> {
    const query = { next_by_subj: subject, seq };
    if (this.#settings.direct) {
      const message = await this.#jsm.direct.getMessage(
        JetStreamNames.stream,
        query,
      );
      if (message && message.seq <= bound) return message;
    }
    return await this.#jsm.streams.getMessage(JetStreamNames.stream, query);
  }

  async #getBySeq(seq: number): Promise<StoredMsg | null> {
    if (this.#settings.direct) {
      const message = await this.#jsm.direct.getMessage(
        JetStreamNames.stream,
        { seq },
      );
      if (message) return message;
    }
    return await this.#jsm.streams.getMessage(JetStreamNames.stream, { seq });
  }
}

function decodeStored(message: StoredMsg): Commit | null {
  return decodeCommit({
    subject: message.subject,
    seq: message.seq,
    headers: message.header as MsgHdrs,
    data: message.data,
    time: () => message.time.getTime(),
  });
}

function isComplete(
  commits: Commit[],
  afterVersion: number,
  headVersion: number,
): boolean {
  if (commits.length !== headVersion - afterVersion) return false;
  return commits.every((c, i) => c.version === afterVersion + 1 + i);
}
