/**
 * `deno task docs:client [--help]`: writes the OpenAPI documents of every
 * API version to `docs/openapi/v<n>.json` and generates TypeScript types of
 * each with `openapi-typescript` (run through `npx`, so no package of it
 * enters deno.lock) into `docs/client/tms_v<n>.ts`. `docs/client/example.ts`
 * uses them and `deno task check` type-checks both; a test keeps the
 * committed documents equal to what the code declares.
 */
import { registerActors } from "../actors/mod.ts";
import { createApp } from "../http/mod.ts";
import { API_VERSIONS } from "../http/versions.ts";
import { ActorSystem } from "../runtime/actor/mod.ts";
import { UnauthorizedError } from "../runtime/core/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import type { UserServices } from "../actors/user/mod.ts";
import { runTask } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** The version of openapi-typescript that generates the client types. */
export const OPENAPI_TYPESCRIPT = "openapi-typescript@7.13.0";

/** `deno task docs:client`: its usage text. */
export const docsClientTask: TaskSpec = {
  name: "docs:client",
  summary:
    "Writes docs/openapi/v<n>.json and generates docs/client/tms_v<n>.ts from them.",
  details:
    `The documents come from the route declarations (what GET /openapi/v<n>.json
serves); the types from ${OPENAPI_TYPESCRIPT}, run with npx (needs Node.js and
the npm registry the first time). Run it after changing a route; the test
tests/http/docs_client_test.ts fails until the committed documents match.`,
  examples: ["deno task docs:client"],
};

const ROOT = new URL("../", import.meta.url).pathname;

/** The OpenAPI document of `version` as `GET /openapi/v<n>.json` answers it. */
export async function apiDocument(version: number): Promise<string> {
  const log = new MemoryEventLog();
  const system = registerActors(new ActorSystem({ log }));
  const app = createApp({
    system,
    auth: {
      enabled: true,
      verifier: {
        verify: () =>
          Promise.reject(new UnauthorizedError("auth.token_invalid", "No")),
      },
      users: {} as UserServices,
      jwks: () => Promise.resolve({ keys: [] }),
    },
  });
  try {
    const res = await app.request(`/openapi/v${version}.json`);
    return JSON.stringify(await res.json(), null, 2) + "\n";
  } finally {
    await system.shutdown();
    await log.close();
  }
}

if (import.meta.main) {
  await runTask(docsClientTask, async () => {
    await Deno.mkdir(`${ROOT}docs/openapi`, { recursive: true });
    await Deno.mkdir(`${ROOT}docs/client`, { recursive: true });
    for (const version of API_VERSIONS) {
      const json = `docs/openapi/v${version}.json`;
      const types = `docs/client/tms_v${version}.ts`;
      await Deno.writeTextFile(`${ROOT}${json}`, await apiDocument(version));
      const { code, stderr } = await new Deno.Command("npx", {
        args: ["-y", OPENAPI_TYPESCRIPT, json, "-o", types],
        cwd: ROOT,
        stdout: "null",
        stderr: "piped",
      }).output();
      if (code !== 0) {
        throw new Error(
          `${OPENAPI_TYPESCRIPT} failed: ${new TextDecoder().decode(stderr)}`,
        );
      }
      const fmt = await new Deno.Command(Deno.execPath(), {
        args: ["fmt", json, types],
        cwd: ROOT,
        stdout: "null",
        stderr: "null",
      }).output();
      if (fmt.code !== 0) throw new Error(`deno fmt ${types} failed`);
      console.log(`[docs:client] ${json} → ${types}`);
    }
  });
}
