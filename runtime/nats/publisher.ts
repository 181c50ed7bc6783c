import { jetStreamApiError } from "../../deps.ts";
import type { NatsConnection } from "../../deps.ts";
import { NatsRequester } from "./requester.ts";
import type { NatsRequesterOptions } from "./requester.ts";

/** The acknowledgement of a JetStream publish. */
export interface PublishAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

const decoder = new TextDecoder();

/**
 * Pipelined JetStream publishes over a `NatsRequester`: a JetStream publish
 * is a core publish whose answer is the JSON ack. nats.js `js.publish` goes
 * through `nc.request` (see `NatsRequester` for what that costs).
 *
 * @example
 * ```ts
 * const publisher = new JetStreamPublisher(nc);
 * const ack = await publisher.publish(
 *   "tms.evt.bedrift.1",
 *   encodeHeaders([["Nats-Msg-Id", "bedrift.1@1"]]),
 *   new TextEncoder().encode("[]"),
 * );
 * publisher.close();
 * ```
 */
export class JetStreamPublisher {
  readonly #requester: NatsRequester;

  constructor(nc: NatsConnection, options: NatsRequesterOptions = {}) {
    this.#requester = new NatsRequester(nc, options);
  }

  /** Publishes sent and not yet acknowledged. */
  get pending(): number {
    return this.#requester.pending;
  }

  /**
   * Publishes `body` with the encoded `headers` on `subject` and resolves with
   * the stream's ack. Rejects with `JetStreamApiError` when the stream refuses
   * the message, `RequestTimeoutError` when no ack comes in time, and
   * `NatsStatusError` when NATS answers with a status (503: no stream listens).
   */
  async publish(
    subject: string,
    headers: Uint8Array,
    body: Uint8Array,
  ): Promise<PublishAck> {
    const msg = await this.#requester.request(subject, body, { headers });
    const answer = JSON.parse(decoder.decode(msg.data)) as {
      error?: unknown;
      stream?: string;
      seq?: number;
      duplicate?: boolean;
    };
    if (answer.error) {
      throw jetStreamApiError(
        answer.error as Parameters<typeof jetStreamApiError>[0],
      );
    }
    if (!answer.stream || typeof answer.seq !== "number") {
      throw new SyntaxError("Invalid JetStream publish ack");
    }
    return {
      stream: answer.stream,
      seq: answer.seq,
      duplicate: answer.duplicate === true,
    };
  }

  /** Rejects every pending publish. */
  close(): void {
    this.#requester.close();
  }
}
