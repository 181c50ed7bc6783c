/**
 * `deno task compile [--output PATH] [--target TRIPLE]`: one self-contained
 * binary of the node; see {@linkcode compileTask} or `--help`.
 */
import { runTask } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** `deno task compile`: its flags and usage text. */
export const compileTask: TaskSpec = {
  name: "compile",
  summary:
    "Builds the node as one self-contained executable with deno compile (permissions, unstable APIs and the workers included).",
  details: `The binary runs a node exactly as \`deno task start\` does (the same
environment, --help included) without Deno or the source on the machine; it
is allowed net, env, read, write, sys, run and ffi (the argon2 addon) and Deno
KV and cron. deno compile downloads the denort runtime of the target from
Deno's download server the first time (into the Deno cache), so that server
must be reachable once, or DENORT_BIN must name a denort binary.`,
  flags: [
    {
      name: "output",
      value: "PATH",
      default: "dist/tms",
      description: "where the executable goes",
    },
    {
      name: "target",
      value: "TRIPLE",
      description: "another platform, e.g. aarch64-unknown-linux-gnu",
    },
  ],
  examples: [
    "deno task compile",
    "deno task compile --output /usr/local/bin/tms",
  ],
};

/** The `deno compile` command line of the task. */
export function compileArgs(output: string, target?: string): string[] {
  return [
    "compile",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-write",
    "--allow-sys",
    "--allow-run",
    "--allow-ffi",
    "--unstable-kv",
    "--unstable-cron",
    "--unstable-no-legacy-abort",
    // The PGlite and cpu_stress workers are loaded by URL at run time.
    "--include",
    "runtime/sql/worker.ts",
    "--include",
    "runtime/chaos/cpu_worker.ts",
    ...(target ? ["--target", target] : []),
    "--output",
    output,
    "main.ts",
  ];
}

if (import.meta.main) {
  await runTask(compileTask, async (args) => {
    const output = args.string("output", "dist/tms");
    const status = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(output, args.string("target")),
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      throw new Error(`deno compile exited with ${status.code}`);
    }
    console.log(`Built ${output}`);
  });
}
