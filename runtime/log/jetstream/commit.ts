import type { MsgHdrs } from "../../../deps.ts";
import { encodeHeaders } from "../../nats/mod.ts";
import {
  commitMsgId,
  eventSubject,
  Headers,
  JetStreamNames,
} from "../../core/mod.ts";
import type {
  AppendRequest,
  Commit,
  CommitMeta,
  DomainEvent,
} from "../../core/mod.ts";

/** Characters a subject token (an aggregate type or id) must not contain. */
const UNSAFE_TOKEN = /[.*>\s\p{Cc}]/u;
/** Characters kept as they are in a KV key; the rest is `=XX`-escaped. */
const KV_KEY_SAFE = /[-/_a-zA-Z0-9]/;
const SUBJECT_PREFIX = `${JetStreamNames.subjectPrefix}.`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Throws `TypeError` unless `value` can be one subject token: non-empty, no
 * `.`, `*`, `>`, whitespace or control characters.
 */
export function assertSubjectToken(kind: string, value: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`Aggregate ${kind} must be a non-empty string`);
  }
  if (UNSAFE_TOKEN.test(value)) {
    throw new TypeError(
      `Aggregate ${kind} "${value}" is not subject-safe: it must not contain ".", "*", ">" or whitespace`,
    );
  }
}

/** The validated subject of one aggregate's stream. */
export function commitSubject(type: string, id: string): string {
  assertSubjectToken("type", type);
  assertSubjectToken("id", id);
  return eventSubject(type, id);
}

/** The KV key of an aggregate's snapshot: `<type>.<id>`, `=XX`-escaped. */
export function snapshotKey(type: string, id: string): string {
  assertSubjectToken("type", type);
  assertSubjectToken("id", id);
  return `${escapeKeyToken(type)}.${escapeKeyToken(id)}`;
}

/** The `{ type, id }` a snapshot key names (the inverse of `snapshotKey`); null for another key. */
export function parseSnapshotKey(
  key: string,
): { type: string; id: string } | null {
  const parts = key.split(".");
  if (parts.length !== 2) return null;
  try {
    const [type, id] = parts.map(unescapeKeyToken);
    return type && id ? { type, id } : null;
  } catch {
    return null;
  }
}

/** Encoded headers and body of the message that carries one commit. */
export function encodeCommit(
  request: AppendRequest,
  expectedLastSubjectSequence: number,
  timestamp: number,
): { headers: Uint8Array; body: Uint8Array } {
  const version = request.expectedVersion + 1;
  const entries: [string, string][] = [
    [Headers.msgId, commitMsgId(request.type, request.id, version)],
    [Headers.commandId, headerValue("command id", request.commandId)],
    [Headers.expectedLastSubjectSequence, String(expectedLastSubjectSequence)],
    [Headers.version, String(version)],
    [Headers.timestamp, String(timestamp)],
  ];
  const types = [...new Set(request.events.map((e) => e.type))];
  if (types.length > 0) {
    entries.push([
      Headers.eventTypes,
      headerValue("event type", types.join(",")),
    ]);
  }
  const meta = request.meta ?? {};
  if (meta.correlationId) {
    entries.push([
      Headers.correlationId,
      headerValue("correlation id", meta.correlationId),
    ]);
  }
  if (meta.causationId) {
    entries.push([
      Headers.causationId,
      headerValue("causation id", meta.causationId),
    ]);
  }
  if (meta.traceparent) {
    entries.push([
      Headers.traceparent,
      headerValue("traceparent", meta.traceparent),
    ]);
  }
  return {
    headers: encodeHeaders(entries),
    body: encoder.encode(JSON.stringify(request.events)),
  };
}

/** A stored message as both direct gets and consumers deliver it. */
export interface StoredCommitMessage {
  subject: string;
  seq: number;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
  /** Server time of the message, used when the commit carries none. */
  time?: () => number;
}

/** The commit a message carries, or `null` when it is not a TMS commit. */
export function decodeCommit(message: StoredCommitMessage): Commit | null {
  const { subject, seq, headers } = message;
  if (!subject.startsWith(SUBJECT_PREFIX)) return null;
  const tokens = subject.slice(SUBJECT_PREFIX.length).split(".");
  const version = Number(headers?.get(Headers.version) ?? "");
  if (tokens.length !== 2 || !Number.isInteger(version) || version < 1) {
    return null;
  }
  const stamp = Number(headers?.get(Headers.timestamp) ?? "");
  const meta: CommitMeta = {};
  const correlationId = headers?.get(Headers.correlationId);
  const causationId = headers?.get(Headers.causationId);
  const traceparent = headers?.get(Headers.traceparent);
  if (correlationId) meta.correlationId = correlationId;
  if (causationId) meta.causationId = causationId;
  if (traceparent) meta.traceparent = traceparent;
  const events: DomainEvent[] = message.data.length > 0
    ? JSON.parse(decoder.decode(message.data))
    : [];
  return {
    type: tokens[0],
    id: tokens[1],
    version,
    position: seq,
    commandId: headers?.get(Headers.commandId) ?? "",
    timestamp: stamp > 0 ? stamp : (message.time?.() ?? 0),
    events,
    ...(Object.keys(meta).length > 0 ? { meta } : {}),
  };
}

function headerValue(kind: string, value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new TypeError(`The ${kind} must not contain line breaks`);
  }
  return value;
}

function unescapeKeyToken(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "=") {
      const byte = parseInt(token.slice(i + 1, i + 3), 16);
      if (!Number.isInteger(byte)) throw new SyntaxError("Bad key escape");
      bytes.push(byte);
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(
    new Uint8Array(bytes),
  );
}

function escapeKeyToken(token: string): string {
  let out = "";
  for (const char of token) {
    if (KV_KEY_SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of encoder.encode(char)) {
      out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}
