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
} as const;

/** A 400 for a request that cannot be parsed (malformed JSON, bad header). */
export class BadRequestError extends Error {
  override name = "BadRequestError";
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

/** Field paths and messages of a zod error. */
export function fieldErrors(
  error: z.ZodError,
): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
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
  if (error instanceof DomainError) {
    return problem(c, {
      type: `/problems/${error.code.replaceAll(".", "-").replaceAll("_", "-")}`,
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
