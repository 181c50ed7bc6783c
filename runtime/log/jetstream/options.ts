/** Options of the JetStream event log, and its cache of stream heads. */
import { BoundedCache } from "../../core/mod.ts";
import type { Head } from "./reader.ts";

/** Options of the JetStream event log. */
export interface JetStreamEventLogOptions {
  /** Replicas of the stream and of the snapshot bucket when they are created (default 1). */
  replicas?: number;
  /** JetStream deduplication window on `Nats-Msg-Id` (default 2 min). */
  duplicateWindowMs?: number;
  /** Timeout of each JetStream request (default 5 s). */
  requestTimeoutMs?: number;
  /** Seconds an `UnavailableError` tells the caller to wait (default 1). */
  retryAfter?: number;
  /**
   * Reads of more commits than this (a `readStream` tail, a `readFeed` page)
   * stream through an ordered consumer; fewer are direct gets (default 32).
   */
  scanThreshold?: number;
  signal?: AbortSignal;
}

/** Options of `JetStreamEventLog.connect`: the servers plus the log's options. */
export interface JetStreamConnectOptions extends JetStreamEventLogOptions {
  servers: string | string[];
  /** Connection name shown by the server (default `tms-event-log`). */
  name?: string;
}

/** The settings an open log works with. */
export interface Settings {
  retryAfter: number;
  timeout: number;
  scanThreshold: number;
}

const HEAD_CACHE_SIZE = 100_000;

export function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer`);
  }
}

/** A cache of stream heads by subject, least recently used out past its size. */
export function headCache(): BoundedCache<string, Head> {
  return new BoundedCache(HEAD_CACHE_SIZE);
}
