/**
 * `deno task check`: `deno fmt --check`, `deno lint` and `deno check` of
 * every source folder, one after the other; stops at the first that fails
 * and exits with its status.
 */
import { runTask } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** What the check runs, in order (arguments of `deno`). */
export const CHECKS: readonly (readonly string[])[] = [
  ["fmt", "--check"],
  ["lint"],
  [
    "check",
    "main.ts",
    "ops/",
    "tests/",
    "actors/",
    "runtime/",
    "http/",
    "schemas/",
    "docs/",
  ],
];

/** `deno task check`: its usage text. */
export const checkTask: TaskSpec = {
  name: "check",
  summary: "Checks formatting, lint rules and types of the whole project.",
  details: `Runs, in order, stopping at the first that fails:\n${
    CHECKS.map((c) => `  deno ${c.join(" ")}`).join("\n")
  }\n\`deno fmt\` (without --check) rewrites what the first one rejects.`,
  examples: ["deno task check"],
};

if (import.meta.main) {
  await runTask(checkTask, async () => {
    for (const [i, args] of CHECKS.entries()) {
      console.error(
        `[check] deno ${args.join(" ")} (${i + 1}/${CHECKS.length})`,
      );
      const { code } = await new Deno.Command(Deno.execPath(), {
        args: [...args],
        cwd: ROOT,
        stdin: "null",
      }).spawn().status;
      if (code !== 0) {
        console.error(`check failed: deno ${args[0]} exited with ${code}`);
        return code;
      }
    }
    return 0;
  });
}
