/**
 * `/api/v<n>/dead-letters` (ADMIN): the dead letters of the cluster's store,
 * newest first, and a retry. A retry is only requested here — the letter
 * becomes `retry_requested` in the store the nodes share, and the node that
 * owns the actor or runs the projection performs it (its dead-letter office
 * polls the store about once a second), as `deno task dead-letters retry`
 * does; the list shows how it ended.
 */
import type { DeadLetter, DeadLetterStore } from "../runtime/core/mod.ts";
import {
  isDeadLetterId,
  NotFoundError,
  UnavailableError,
} from "../runtime/core/mod.ts";
import { DeadLettersQuery, DeadLetterView } from "../schemas/mod.ts";
import { principal } from "./auth.ts";
import type { EdgeDeps } from "./context.ts";
import { page, plain, reply, versionOf } from "./representation.ts";
import { RouteGroup } from "./route.ts";

/** A dead letter as the API shows it: the command's body left out. */
export function deadLetterView(letter: DeadLetter) {
  const { command, projection } = letter;
  return {
    id: letter.id,
    kind: letter.kind,
    status: letter.status,
    recordedAt: letter.recordedAt,
    updatedAt: letter.updatedAt,
    failedAt: letter.failedAt,
    node: letter.node,
    reason: letter.reason,
    attempts: letter.attempts,
    failures: letter.failures,
    retries: letter.retries,
    command: command
      ? {
        type: command.type,
        id: command.id,
        commandId: command.commandId,
        expectedVersion: command.expectedVersion,
        truncated: command.truncated ?? false,
      }
      : null,
    projection: projection ?? null,
    claim: letter.claim,
    resolution: letter.resolution,
    history: letter.history,
  };
}

const LetterRep = plain<ReturnType<typeof deadLetterView>>(
  "DeadLetter",
  DeadLetterView,
);
const LetterPage = page("DeadLetterPage", LetterRep);

/** The store behind the routes (503 on a node that keeps none). */
function storeOf(deps: EdgeDeps): DeadLetterStore {
  if (!deps.deadLetters) {
    throw new UnavailableError("This node keeps no dead letters");
  }
  return deps.deadLetters;
}

/** Routes of `/api/v<n>/dead-letters`. */
export function deadLetterRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Dead-letters",
    description:
      "Commands whose actor parked and commits a projection cannot apply, and their retries (ADMIN)",
    base: "/dead-letters",
    versioned: true,
  });

  group.route({
    method: "get",
    path: "/",
    operationId: "listDeadLetters",
    summary: "The dead letters, newest first",
    request: { query: DeadLettersQuery },
    responses: { 200: { description: "A page", body: LetterPage } },
    problems: [401, 403, 422, 503],
  }, async (c, { query }) => {
    const result = await storeOf(deps).list({
      kind: query.kind,
      status: query.status,
      limit: query.limit,
      cursor: query.cursor,
    }, { signal: c.get("signal") });
    return reply(c, LetterPage, {
      items: result.items.map(deadLetterView),
      nextCursor: result.nextCursor,
      total: null,
    });
  });

  group.route({
    method: "post",
    path: "/:id/retry",
    operationId: "retryDeadLetter",
    summary: "Ask the node that can to retry a dead letter",
    description:
      "An open letter becomes `retry_requested` (one already requested or retrying is left as it is); the node that owns the actor or runs the projection performs the retry — a command is asked again under its command id, so one that had committed is not written twice — and the list shows `resolved`, `rejected` or `open` again with the new reason. 409 for a letter already closed, 422 for a command too large to have been kept.",
    request: { params: { id: "The letter's id (`cmd-…` or `prj-…`)" } },
    responses: {
      202: { description: "Requested: a node performs it", body: LetterRep },
    },
    problems: [401, 403, 404, 409, 422, 503],
  }, async (c) => {
    const id = c.req.param("id") ?? "";
    if (!isDeadLetterId(id)) throw new NotFoundError("No such dead letter");
    const letter = await storeOf(deps).requestRetry(id, {
      by: principal(c).subject,
      signal: c.get("signal"),
    });
    return c.json(
      LetterRep.render(c, versionOf(c), deadLetterView(letter)) as object,
      202,
    );
  });

  return group;
}
