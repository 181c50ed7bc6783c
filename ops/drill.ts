/**
 * `deno task drill <name>`: end-to-end drills against real processes. Each
 * drill lives in its own file and registers here by name; this file only
 * dispatches.
 */
import { runTask, UsageError } from "./cli.ts";
import type { FlagSpec, TaskArgs, TaskSpec } from "./cli.ts";
import { autoscaleDrill, autoscaleDrillFlags } from "./drill_autoscale.ts";

/** A drill: what it shows, its flags, and its run (the exit code). */
interface Drill {
  summary: string;
  flags: FlagSpec[];
  run(args: TaskArgs): Promise<number>;
}

const DRILLS: Record<string, Drill> = {
  autoscale: {
    summary:
      "deno task cluster --autoscale --min 1 --max 3 under a ramp of load up and down: scales out, scales back in after the stabilization window, decisions in the log, no request fails",
    flags: autoscaleDrillFlags,
    run: autoscaleDrill,
  },
};

/** `deno task drill`: its usage text. */
export const drillTask: TaskSpec = {
  name: "drill",
  summary: "Runs an end-to-end drill against real node processes.",
  positionals: "<drill>",
  details: `Drills:\n${
    Object.entries(DRILLS).map(([name, d]) => `  ${name}: ${d.summary}`)
      .join("\n")
  }\nExits 0 when the drill passed, 1 with the reasons when it did not.`,
  flags: Object.values(DRILLS).flatMap((d) => d.flags),
  examples: ["deno task drill autoscale", "deno task drill autoscale --short"],
};

if (import.meta.main) {
  await runTask(drillTask, async (args) => {
    const [name, ...rest] = args.positionals;
    const drill = DRILLS[name];
    if (!drill || rest.length > 0) {
      throw new UsageError(
        `name one drill: ${Object.keys(DRILLS).join(", ")}`,
      );
    }
    return await drill.run(args);
  });
}
