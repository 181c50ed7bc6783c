/** `/.well-known/jwks.json`: the public keys that verify TMS access tokens. */
import { Hono } from "../deps.ts";
import type { EdgeDeps } from "./context.ts";

/** Routes of `/.well-known`. */
export function wellKnownRoutes(deps: EdgeDeps): Hono {
  const app = new Hono();
  app.get("/jwks.json", async (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(await deps.auth.jwks());
  });
  return app;
}
