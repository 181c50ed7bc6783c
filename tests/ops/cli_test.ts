import assert from "node:assert/strict";
import {
  oneLine,
  parseTaskArgs,
  usage,
  UsageError,
  wantsHelp,
} from "../../ops/cli.ts";
import type { TaskSpec } from "../../ops/cli.ts";

const spec: TaskSpec = {
  name: "demo",
  summary: "Does a demo.",
  positionals: "[name…]",
  flags: [
    { name: "count", value: "N", default: "2", description: "how many" },
    { name: "json", description: "JSON output" },
  ],
  env: [{ name: "DEMO_DIR", default: "./demo", description: "where" }],
  examples: ["deno task demo --count 3 a b"],
};

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof UsageError && pattern.test(e.message),
  );
}

Deno.test("cli: flags as --name value and --name=value, switches, positionals", () => {
  const args = parseTaskArgs(spec, ["a", "--count", "3", "--json", "b"]);
  assert.equal(args.int("count", 2), 3);
  assert.equal(args.has("json"), true);
  assert.deepEqual(args.positionals, ["a", "b"]);
  const eq = parseTaskArgs(spec, ["--count=4", "--", "--json"]);
  assert.equal(eq.int("count", 2), 4);
  assert.equal(eq.has("json"), false);
  assert.deepEqual(eq.positionals, ["--json"]);
  assert.equal(parseTaskArgs(spec, []).int("count", 2), 2);
});

Deno.test("cli: an unknown flag, a missing or stray value, a bad number are usage errors", () => {
  usageError(() => parseTaskArgs(spec, ["--nope"]), /unknown option --nope/);
  usageError(() => parseTaskArgs(spec, ["-x"]), /unknown option -x/);
  usageError(() => parseTaskArgs(spec, ["--count"]), /--count needs a value/);
  usageError(
    () => parseTaskArgs(spec, ["--count", "--json"]),
    /--count needs a value/,
  );
  usageError(() => parseTaskArgs(spec, ["--json=yes"]), /takes no value/);
  usageError(
    () => parseTaskArgs(spec, ["--json", "--json"]),
    /given twice/,
  );
  const bad = parseTaskArgs(spec, ["--count", "many"]);
  usageError(() => bad.int("count", 2), /--count must be an integer/);
  const zero = parseTaskArgs(spec, ["--count", "0"]);
  usageError(() => zero.int("count", 2), /positive/);
  assert.equal(zero.int("count", 2, { min: 0 }), 0);
  usageError(
    () => parseTaskArgs(spec, ["--count", "9"]).int("count", 2, { max: 5 }),
    /at most 5/,
  );
  usageError(
    () => parseTaskArgs({ ...spec, positionals: undefined }, ["stray"]),
    /unexpected argument stray/,
  );
});

Deno.test("cli: --help and -h count before --, not after", () => {
  assert.equal(wantsHelp(["--count", "3", "--help"]), true);
  assert.equal(wantsHelp(["-h"]), true);
  assert.equal(wantsHelp(["--", "--help"]), false);
  assert.equal(wantsHelp(["--helpful"]), false);
});

Deno.test("cli: a pass-through task gets its arguments untouched", () => {
  const args = parseTaskArgs({ ...spec, passThrough: true }, [
    "--whatever",
    "x",
  ]);
  assert.deepEqual(args.raw, ["--whatever", "x"]);
});

Deno.test("cli: the usage text names the task, its flags, environment and an example", () => {
  const text = usage(spec);
  assert.match(text, /^Usage: deno task demo \[options\] \[name…\]\n/);
  assert.match(text, /^ {2}--count N +how many \(default 2\)$/m);
  assert.match(text, /^ {2}--json +JSON output$/m);
  assert.match(text, /^ {2}-h, --help +show this text and exit$/m);
  assert.match(
    text,
    /^Environment:\n {2}DEMO_DIR +where \(default \.\/demo\)$/m,
  );
  assert.match(text, /^Example:\n {2}deno task demo --count 3 a b\n$/m);
});

Deno.test("cli: oneLine joins an error's causes on one line", () => {
  const error = new Error("open failed", {
    cause: new Error("connection\nrefused"),
  });
  assert.equal(oneLine(error), "open failed: connection refused");
});
