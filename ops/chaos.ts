/**
 * `deno task chaos <run FILE|status|stop|types>`: the chaos supervisor of a
 * running node from the command line; see {@linkcode chaosTask} or `--help`.
 */
import { runTask, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** `deno task chaos`: its commands, flags, environment and usage text. */
export const chaosTask: TaskSpec = {
  name: "chaos",
  summary:
    "Runs an experiment file against a running node, or shows its chaos status, or stops every fault.",
  positionals: "<run FILE | status | stop | types>",
  details: `run FILE      creates the experiment of FILE (the body of POST
              /api/v1/chaos/experiments, JSON), starts it, prints its progress
              every second and, when it completed, its outcome; writes the
              journal (Chaos-Toolkit style) to --journal. Exit 0 when it
              passed, 1 otherwise; Ctrl-C stops it (abort and rollback).
status        every node's active faults, running experiments, last stop
stop          the emergency stop: every fault on every node cleared
types         the fault kinds and their parameters

The node needs TMS_CHAOS=on. The token: TMS_TOKEN, else a login with
TMS_ADMIN_EMAIL and TMS_ADMIN_PASSWORD (an ADMIN).`,
  flags: [
    {
      name: "url",
      value: "URL",
      default: "http://127.0.0.1:8000",
      description: "the node",
    },
    {
      name: "journal",
      value: "FILE",
      default: "FILE with .journal.json",
      description: "run: where the journal goes",
    },
    {
      name: "force",
      description: "run: above the blast-radius limit (ADMIN; recorded)",
    },
  ],
  env: [
    { name: "TMS_TOKEN", description: "an ADMIN's access token" },
    { name: "TMS_ADMIN_EMAIL", description: "an ADMIN to log in as" },
    { name: "TMS_ADMIN_PASSWORD", description: "its password" },
  ],
  examples: [
    "deno task chaos run docs/chaos/log_latency.json",
    "deno task chaos stop --url http://127.0.0.1:8001",
  ],
};

type Json = Record<string, unknown>;

async function token(url: string): Promise<string> {
  const given = Deno.env.get("TMS_TOKEN");
  if (given) return given;
  const email = Deno.env.get("TMS_ADMIN_EMAIL");
  const password = Deno.env.get("TMS_ADMIN_PASSWORD");
  if (!email || !password) {
    throw new UsageError(
      "set TMS_TOKEN, or TMS_ADMIN_EMAIL and TMS_ADMIN_PASSWORD",
    );
  }
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`login: ${res.status} ${body.title ?? ""}`);
  return body.accessToken;
}

function client(url: string, bearer: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1/chaos${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json() as Json;
    if (!res.ok) {
      throw new Error(
        `${method} ${path}: ${res.status} ${json.title ?? ""}${
          json.errors ? ` ${JSON.stringify(json.errors)}` : ""
        }`,
      );
    }
    return json;
  };
}

async function run(
  api: ReturnType<typeof client>,
  file: string,
  journalPath: string,
  force: boolean,
): Promise<number> {
  let definition: Json;
  try {
    definition = JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    throw new UsageError(`${file} is not a readable JSON experiment: ${error}`);
  }
  if (force) definition.force = true;
  const created = await api("POST", "/experiments", definition);
  const id = created.id as string;
  console.error(`[chaos] experiment ${id}: ${definition.title}`);
  await api("POST", `/experiments/${id}/start`);
  const stop = () =>
    void api("POST", `/experiments/${id}/stop`).catch(() => {});
  Deno.addSignalListener("SIGINT", stop);
  try {
    for (;;) {
      const view = await api("GET", `/experiments/${id}`);
      const state = view.state as Json;
      console.error(
        `[chaos] ${state.status}: ${state.faultsInjected} faults injected, ${state.probeChecks} probe checks, ${state.deviations} deviations`,
      );
      if (state.status === "completed") {
        await Deno.writeTextFile(
          journalPath,
          JSON.stringify(view.journal, null, 2) + "\n",
        );
        console.log(
          `${id}: ${state.outcome}${
            state.abortReason ? ` (${state.abortReason})` : ""
          }; journal in ${journalPath}`,
        );
        return state.outcome === "passed" ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
  }
}

if (import.meta.main) {
  await runTask(chaosTask, async (args) => {
    const [command, file, ...rest] = args.positionals;
    const url = args.string("url", "http://127.0.0.1:8000").replace(/\/$/, "");
    if (
      !["run", "status", "stop", "types"].includes(command ?? "") ||
      (command === "run" ? !file : file !== undefined) || rest.length > 0
    ) {
      throw new UsageError("give run FILE, status, stop or types");
    }
    const api = client(url, await token(url));
    switch (command) {
      case "run":
        return await run(
          api,
          file,
          args.string("journal", file.replace(/\.json$/, "") + ".journal.json"),
          args.has("force"),
        );
      case "status":
        console.log(
          JSON.stringify(await api("GET", "/safety/status"), null, 2),
        );
        return 0;
      case "stop":
        console.log(
          JSON.stringify(await api("POST", "/safety/emergency-stop"), null, 2),
        );
        return 0;
      default:
        console.log(JSON.stringify(await api("GET", "/faults/types"), null, 2));
        return 0;
    }
  });
}
