/**
 * The relay's sink in NATS: stream `TMS_INTEGRATION` on `tms.int.>` (file
 * storage, replicas as the events stream, a configurable maximum age,
 * discard old), one CloudEvent per message on
 * `tms.int.<tenant>.<aggregate>.<event>`, deduplicated by `Nats-Msg-Id` =
 * `ce-id` within the duplicate window. Publishes are pipelined through the
 * runtime's `JetStreamPublisher` and a batch resolves once every message is
 * acknowledged.
 */
import {
  DiscardPolicy,
  isJetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "../../deps.ts";
import type { NatsConnection, StreamConfig } from "../../deps.ts";
import {
  IntegrationNames,
  integrationSubject,
  type SignalOptions,
} from "../core/mod.ts";
import {
  encodeHeaders,
  JetStreamErrorCodes,
  JetStreamPublisher,
  NatsStatusError,
} from "../nats/mod.ts";
import { cloudEventHeaders } from "./cloudevents.ts";
import type { CloudEventContext } from "./cloudevents.ts";
import type { PositionedIntegrationEvent, RelaySink } from "./types.ts";

/** How `TMS_INTEGRATION` is created when missing. */
export interface IntegrationStreamOptions {
  replicas?: number;
  /** Messages older than this are removed (0: kept forever). Default 7 days. */
  maxAgeMs?: number;
  /** The `Nats-Msg-Id` dedup window (default 2 minutes). */
  duplicateWindowMs?: number;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Creates `TMS_INTEGRATION`, or brings an existing one's maximum age to the
 * configured one (the only setting TMS changes on it).
 */
export async function ensureIntegrationStream(
  nc: NatsConnection,
  options: IntegrationStreamOptions = {},
): Promise<StreamConfig> {
  const jsm = await jetstreamManager(nc);
  const maxAge = (options.maxAgeMs ?? 7 * DAY_MS) * 1_000_000;
  try {
    const { config } = await jsm.streams.info(IntegrationNames.stream);
    if (config.max_age === maxAge) return config;
    return (await jsm.streams.update(IntegrationNames.stream, {
      ...config,
      max_age: maxAge,
    })).config;
  } catch (error) {
    if (!isJetStreamApiError(error, JetStreamErrorCodes.streamNotFound)) {
      throw error;
    }
  }
  const config: Partial<StreamConfig> & { name: string } = {
    name: IntegrationNames.stream,
    description:
      "TMS integration events: CloudEvents 1.0 in binary mode (see /asyncapi.json)",
    subjects: [`${IntegrationNames.subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas ?? 1,
    max_age: maxAge,
    duplicate_window: (options.duplicateWindowMs ?? 120_000) * 1_000_000,
    deny_delete: true,
    allow_direct: true,
  };
  try {
    return (await jsm.streams.add(config)).config;
  } catch (error) {
    if (isJetStreamApiError(error, JetStreamErrorCodes.streamNameInUse)) {
      return (await jsm.streams.info(IntegrationNames.stream)).config;
    }
    throw error;
  }
}

/** Options of `JetStreamIntegrationSink`. */
export interface JetStreamIntegrationSinkOptions
  extends IntegrationStreamOptions, CloudEventContext {
  /** Longest wait for one ack (default 10 s). */
  timeoutMs?: number;
}

const encoder = new TextEncoder();

/** Publishes integration events to `TMS_INTEGRATION`. */
export class JetStreamIntegrationSink implements RelaySink {
  readonly #nc: NatsConnection;
  readonly #options: JetStreamIntegrationSinkOptions;
  readonly #publisher: JetStreamPublisher;
  #ensured: Promise<unknown> | null = null;
  /** Messages the stream answered as duplicates (re-publications it dropped). */
  duplicates = 0;

  constructor(nc: NatsConnection, options: JetStreamIntegrationSinkOptions) {
    this.#nc = nc;
    this.#options = options;
    this.#publisher = new JetStreamPublisher(nc, {
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  async publish(
    events: readonly PositionedIntegrationEvent[],
    _options?: SignalOptions,
  ): Promise<void> {
    this.#ensured ??= ensureIntegrationStream(this.#nc, this.#options).catch(
      (error) => {
        this.#ensured = null;
        throw error;
      },
    );
    await this.#ensured;
    try {
      const acks = await Promise.all(
        events.map((event) =>
          this.#publisher.publish(
            integrationSubject(event.tenant, event.aggregate, event.event),
            encodeHeaders(cloudEventHeaders(event, this.#options)),
            encoder.encode(JSON.stringify(event.data)),
          )
        ),
      );
      for (const ack of acks) if (ack.duplicate) this.duplicates++;
    } catch (error) {
      // No stream listens (deleted?): make sure of it before the next try.
      if (error instanceof NatsStatusError && error.code === 503) {
        this.#ensured = null;
      }
      throw error;
    }
  }

  close(): Promise<void> {
    this.#publisher.close();
    return Promise.resolve();
  }
}
