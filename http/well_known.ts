/** `/.well-known/jwks.json`: the public keys that verify TMS access tokens. */
import type { EdgeDeps } from "./context.ts";
import { RouteGroup } from "./route.ts";

/** Routes of `/.well-known`. */
export function wellKnownRoutes(deps: EdgeDeps): RouteGroup {
  const group = new RouteGroup({
    tag: "Operations",
    description: "Health checks, metrics and the token keys",
    base: "/.well-known",
    versioned: false,
  });
  group.route({
    method: "get",
    path: "/jwks.json",
    operationId: "jwks",
    summary: "The public keys (JWKS) that verify access tokens",
    responses: {
      200: {
        description: "A JSON Web Key Set",
        content: { "application/json": { schema: { type: "object" } } },
        headers: ["Cache-Control"],
      },
    },
    problems: [],
    access: "public",
  }, async (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(await deps.auth.jwks());
  });
  return group;
}
