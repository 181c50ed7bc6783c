/**
 * Views and queries of the dead letters at the edge (`/api/v<n>/dead-letters`,
 * ADMIN): a command whose actor parked after its restarts ran out, or a
 * commit a projection cannot apply. A command's body stays out of the view —
 * it may hold personal data; `deno task dead-letters show` prints it for the
 * operator who needs it.
 */
import { z } from "../deps.ts";
import { DeadLetterKinds, DeadLetterStatuses } from "../runtime/core/mod.ts";

const values = <T extends Record<string, string>>(o: T) =>
  Object.values(o) as [T[keyof T], ...T[keyof T][]];

const instant = z.string().describe("ISO 8601");

/** A list cursor as the stores hand them out: base64url of `[recordedAt, id]`. */
function isListCursor(text: string): boolean {
  try {
    const value = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/")));
    return Array.isArray(value) && value.length === 2 &&
      value.every((part) => typeof part === "string");
  } catch {
    return false;
  }
}

/** `GET /dead-letters`: filters and paging, newest first. */
export const DeadLettersQuery = z.strictObject({
  kind: z.enum(values(DeadLetterKinds)).optional(),
  status: z.enum(values(DeadLetterStatuses)).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).refine(
    isListCursor,
    "Not a cursor this list gave out; start again without one",
  ).optional(),
});

/** One dead letter. */
export const DeadLetterView = z.object({
  id: z.string().describe("`cmd-…` or `prj-…` (16 hex digits)"),
  kind: z.enum(values(DeadLetterKinds)),
  status: z.enum(values(DeadLetterStatuses)),
  recordedAt: instant,
  updatedAt: instant,
  failedAt: instant.describe("The latest failure"),
  node: z.string().describe("The node that saw the latest failure"),
  reason: z.string(),
  attempts: z.number().int(),
  failures: z.number().int().describe("Times this message failed for good"),
  retries: z.number().int(),
  command: z.object({
    type: z.string(),
    id: z.string(),
    commandId: z.string(),
    expectedVersion: z.number().int().nullable(),
    truncated: z.boolean().describe(
      "The command was too large to keep: it cannot be retried",
    ),
  }).nullable().describe("The actor and command id (not the command's body)"),
  projection: z.object({
    name: z.string(),
    position: z.number().int(),
    streamType: z.string().nullable(),
    streamId: z.string().nullable(),
    version: z.number().int().nullable(),
    eventTypes: z.array(z.string()),
  }).nullable(),
  claim: z.object({ node: z.string(), at: instant }).nullable(),
  resolution: z.string().nullable(),
  history: z.array(z.object({
    at: instant,
    action: z.string(),
    node: z.string().optional(),
    detail: z.string().optional(),
  })),
});
