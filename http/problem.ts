import type { Context } from "../deps.ts";
import { HTTPException, z } from "../deps.ts";
import {
  ConcurrencyError,
  DomainError,
  ForbiddenError,
  HttpHeaders,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
} from "../runtime/core/mod.ts";

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem types of the edge, each a relative URI under `/problems/`. */
export const ProblemTypes = {
  malformed: "/problems/malformed-request",
  validation: "/problems/validation-failed",
  notFound: "/problems/not-found",
  unauthorized: "/problems/unauthorized",
  forbidden: "/problems/forbidden",
  conflict: "/problems/version-conflict",
  precondition: "/problems/precondition-failed",
  rule: "/problems/rule-violation",
  tooMany: "/problems/too-many-requests",
  unavailable: "/problems/unavailable",
  deadline: "/problems/deadline-exceeded",
  tooLarge: "/problems/payload-too-large",
  internal: "/problems/internal-error",
  unsupportedVersion: "/problems/unsupported-version",
} as const;

/** The status and meaning of each problem type of the edge. */
export const PROBLEM_DOCS: Record<
  keyof typeof ProblemTypes,
  { status: number; title: string; description: string }
> = {
  malformed: {
    status: 400,
    title: "Malformed request",
    description:
      "The body is not valid JSON, or a header (If-Match, Idempotency-Key, Authorization) cannot be parsed. Fix the request; retrying it unchanged fails again.",
  },
  validation: {
    status: 422,
    title: "Validation failed",
    description:
      "The body or query does not match the route's schema. `errors` lists each field by its path (`kunde.navn`) with a message.",
  },
  notFound: {
    status: 404,
    title: "Not found",
    description:
      "No such route, no such resource, or a resource of another bedrift (which reads as not existing).",
  },
  unauthorized: {
    status: 401,
    title: "Unauthorized",
    description:
      "No bearer token, or one that is malformed, expired or not signed by TMS (`WWW-Authenticate: Bearer`). Log in or refresh; `code` says which.",
  },
  forbidden: {
    status: 403,
    title: "Forbidden",
    description:
      "The token's role may not call this route (see the route's `x-tms-roles`), or only on its own record.",
  },
  conflict: {
    status: 409,
    title: "Version conflict",
    description:
      "The resource changed concurrently while the command was decided; retry it.",
  },
  precondition: {
    status: 412,
    title: "Precondition failed",
    description:
      "The resource is not at the version `If-Match` named: read it again (its `ETag`) and decide again.",
  },
  rule: {
    status: 409,
    title: "Rule violation",
    description:
      "A rule of the resource's current state refuses the command; `code` names the rule (each code has its own problem type under /problems/).",
  },
  tooMany: {
    status: 429,
    title: "Too many requests",
    description:
      "A mailbox is full or a rate limit is reached. Wait `Retry-After` seconds; `RateLimit` tells what is left.",
  },
  unavailable: {
    status: 503,
    title: "Unavailable",
    description:
      "A part the request needs (event log, NATS, read models, the shard's owner) cannot answer now, or a read model has not reached `X-TMS-Min-Position`. Retry after `Retry-After` seconds with the same `Idempotency-Key`.",
  },
  deadline: {
    status: 503,
    title: "Deadline exceeded",
    description:
      "The request's deadline passed before the command completed; it may still complete. Retry with the same `Idempotency-Key` to get its outcome.",
  },
  tooLarge: {
    status: 413,
    title: "Payload too large",
    description: "The body is larger than the route accepts.",
  },
  internal: {
    status: 500,
    title: "Internal error",
    description: "A bug. It is logged; the request id helps find it.",
  },
  unsupportedVersion: {
    status: 406,
    title: "Unsupported API version",
    description:
      "`X-API-Version` or `Accept: application/vnd.tms.v<n>+json` names a version this node does not serve.",
  },
};

/** The problem type URI of a domain rule's code (`invoice.overpayment` → `/problems/invoice-overpayment`). */
export function problemTypeOfCode(code: string): string {
  return `/problems/${code.replaceAll(".", "-").replaceAll("_", "-")}`;
}

/** A 400 for a request that cannot be parsed (malformed JSON, bad header). */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** A 406 for an API version the edge does not serve. */
export class NotAcceptableError extends Error {
  override name = "NotAcceptableError";
}

/** Sends a problem document with the right content type and headers. */
export function problem(
  c: Context,
  body: Problem,
  headers: Record<string, string> = {},
): Response {
  const requestId = c.get("requestId");
  return new Response(
    JSON.stringify({ ...body, instance: c.req.path, requestId }),
    {
      status: body.status,
      headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
    },
  );
}

/**
 * Field paths and messages of a zod error. A field the body may not carry
 * (mass assignment: `status`, `bedriftId` of an existing aggregate) is
 * named by its own path, one entry each.
 */
export function fieldErrors(
  error: z.ZodError,
): { path: string; message: string }[] {
  const path = (parts: readonly PropertyKey[]) =>
    parts.map(String).join(".") || "(body)";
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({
        path: path([...issue.path, key]),
        message: "This field may not be set here",
      }))
      : [{ path: path(issue.path), message: issue.message }]
  );
}

/** The one mapping of errors to RFC 9457 problem responses. */
export function onError(error: unknown, c: Context): Response {
  if (error instanceof z.ZodError) {
    return problem(c, {
      type: ProblemTypes.validation,
      title: "The request is not valid",
      status: 422,
      errors: fieldErrors(error),
    });
  }
  if (error instanceof BadRequestError) {
    return problem(c, {
      type: ProblemTypes.malformed,
      title: "The request is malformed",
      status: 400,
      detail: error.message,
    });
  }
  if (error instanceof NotAcceptableError) {
    return problem(c, {
      type: ProblemTypes.unsupportedVersion,
      title: error.message,
      status: 406,
    });
  }
  if (error instanceof DomainError) {
    return problem(c, {
      type: problemTypeOfCode(error.code),
      title: error.message,
      status: error.status,
      code: error.code,
    });
  }
  if (error instanceof UnauthorizedError) {
    return problem(c, {
      type: ProblemTypes.unauthorized,
      title: error.message,
      status: 401,
      code: error.code,
    }, { "WWW-Authenticate": 'Bearer realm="tms"' });
  }
  if (error instanceof ForbiddenError) {
    return problem(c, {
      type: ProblemTypes.forbidden,
      title: error.message,
      status: 403,
      code: error.code,
    });
  }
  if (error instanceof NotFoundError) {
    return problem(c, {
      type: ProblemTypes.notFound,
      title: error.message,
      status: 404,
      ...(error.code === undefined ? {} : { code: error.code }),
    });
  }
  if (error instanceof ConcurrencyError) {
    const stated = c.req.header(HttpHeaders.ifMatch) !== undefined;
    return problem(c, {
      type: stated ? ProblemTypes.precondition : ProblemTypes.conflict,
      title: stated
        ? "The resource is not at the version given in If-Match"
        : "The resource changed concurrently; retry",
      status: stated ? 412 : 409,
      expectedVersion: error.expectedVersion,
      actualVersion: error.actualVersion,
    });
  }
  if (error instanceof UnavailableError) {
    return problem(c, {
      type: error.status === 429
        ? ProblemTypes.tooMany
        : ProblemTypes.unavailable,
      title: error.message,
      status: error.status,
    }, {
      [HttpHeaders.retryAfter]: String(
        Math.max(1, Math.ceil(error.retryAfter)),
      ),
    });
  }
  if (
    error instanceof DOMException &&
    (error.name === "TimeoutError" || error.name === "AbortError")
  ) {
    return problem(c, {
      type: ProblemTypes.deadline,
      title: "The request deadline passed before the command completed",
      status: 503,
      detail: "Retry with the same Idempotency-Key to get the outcome",
    }, { [HttpHeaders.retryAfter]: "1" });
  }
  if (error instanceof RangeError) {
    return problem(c, {
      type: ProblemTypes.tooLarge,
      title: error.message,
      status: 422,
    });
  }
  if (error instanceof HTTPException) {
    return problem(c, {
      type: error.status === 413
        ? ProblemTypes.tooLarge
        : ProblemTypes.malformed,
      title: error.message || "Request refused",
      status: error.status,
    });
  }
  console.error("Unhandled error", error);
  return problem(c, {
    type: ProblemTypes.internal,
    title: "Internal error",
    status: 500,
  });
}
