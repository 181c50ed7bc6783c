/**
 * Command lines of the `deno task` entry points. A task declares itself once
 * as a {@linkcode TaskSpec} — what it does, its flags, the environment it
 * reads, an example — and {@linkcode runTask} gives it `--help`/`-h` (the
 * usage text on stdout, exit 0, nothing else done), flag parsing (an unknown
 * flag or a bad value: one line on stderr, exit 2) and its one-line failure
 * (`<task> failed: <reason>`, exit 1).
 *
 * Adding a task, e.g. `dead-letters`:
 *
 * 1. `ops/dead_letters.ts` exports a `TaskSpec` and ends with
 *    `if (import.meta.main) await runTask(deadLettersTask, async (args) => {…})`;
 *    read flags with `args.int("limit", 100)`, `args.has("json")`, … — only
 *    declared flags are accepted.
 * 2. `deno.json` gets `"dead-letters": "deno run --allow-… ops/dead_letters.ts"`.
 *
 * tests/ops/tasks_test.ts runs every task of `deno.json` with `--help`, `-h`
 * and an unknown flag, so the new one is covered without further changes.
 *
 * @example
 * ```ts
 * const spec: TaskSpec = {
 *   name: "greet",
 *   summary: "Prints a greeting.",
 *   flags: [{ name: "times", value: "N", default: "1", description: "how often" }],
 *   env: [{ name: "GREETING", default: "hei", description: "the word" }],
 *   examples: ["deno task greet --times 3"],
 * };
 * if (import.meta.main) {
 *   await runTask(spec, (args) => {
 *     const word = Deno.env.get("GREETING") ?? "hei";
 *     for (let i = 0; i < args.int("times", 1); i++) console.log(word);
 *   });
 * }
 * ```
 *
 * @module
 */

/** A `--name` flag: a switch, or with `value` a flag that takes one. */
export interface FlagSpec {
  /** Long name without the dashes: `nodes` for `--nodes`. */
  name: string;
  /** Placeholder of its value (`N`, `URL`); absent for a switch. */
  value?: string;
  /** The default, as the usage text shows it. */
  default?: string;
  description: string;
}

/** An environment variable the task reads. */
export interface EnvSpec {
  name: string;
  default?: string;
  description: string;
}

/** Everything a task's usage text and its parser need. */
export interface TaskSpec {
  /** The task's name in `deno.json`. */
  name: string;
  /** One line: what it does. */
  summary: string;
  /** Positional arguments as the synopsis shows them (`[section…]`); absent: none accepted. */
  positionals?: string;
  /** Further paragraphs of explanation. */
  details?: string;
  flags?: FlagSpec[];
  env?: EnvSpec[];
  /** At least one command line, shown under "Examples". */
  examples: string[];
  /**
   * Arguments other than `--help`/`-h` are not parsed but handed to the task
   * as they are (the test task passes them to `deno test`).
   */
  passThrough?: boolean;
}

/** A bad command line; `runTask` prints its message as the one-line reason. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** True when the command line asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/** A parsed command line: declared flags by name, and the positionals. */
export class TaskArgs {
  readonly positionals: readonly string[];
  /** Every argument as given (what a pass-through task hands on). */
  readonly raw: readonly string[];
  readonly #values: ReadonlyMap<string, string | true>;

  constructor(
    values: ReadonlyMap<string, string | true>,
    positionals: readonly string[],
    raw: readonly string[],
  ) {
    this.#values = values;
    this.positionals = positionals;
    this.raw = raw;
  }

  /** Whether the flag was given. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** The value of a flag that takes one; `fallback` when it was not given. */
  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const value = this.#values.get(name);
    return typeof value === "string" ? value : fallback;
  }

  /** An integer flag within `[min, max]` (default: positive). */
  int(name: string, fallback: number, range?: Range): number;
  int(name: string, fallback?: number, range?: Range): number | undefined;
  int(name: string, fallback?: number, range: Range = {}): number | undefined {
    return this.#numeric(name, fallback, range, true);
  }

  /** A finite number flag within `[min, max]` (default: positive). */
  number(name: string, fallback: number, range?: Range): number;
  number(name: string, fallback?: number, range?: Range): number | undefined;
  number(
    name: string,
    fallback?: number,
    range: Range = {},
  ): number | undefined {
    return this.#numeric(name, fallback, range, false);
  }

  #numeric(
    name: string,
    fallback: number | undefined,
    { min, max }: Range,
    integer: boolean,
  ): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    const kind = integer ? "an integer" : "a number";
    const ok = raw.trim() !== "" &&
      (integer ? Number.isInteger(value) : Number.isFinite(value)) &&
      (min === undefined ? value > 0 : value >= min) &&
      (max === undefined || value <= max);
    if (!ok) {
      const bounds = min === undefined
        ? max === undefined ? "positive " : `positive, at most ${max}, `
        : max === undefined
        ? `at least ${min}, `
        : `from ${min} to ${max}, `;
      throw new UsageError(`--${name} must be ${kind} ${bounds}got "${raw}"`);
    }
    return value;
  }
}

/** Bounds of a numeric flag; without `min` the value must be above 0. */
export interface Range {
  min?: number;
  max?: number;
}

/**
 * Parses `args` against the declared flags: `--name value` and
 * `--name=value`, switches without a value, positionals only where the spec
 * names some, everything after `--` positional. Throws `UsageError`.
 */
export function parseTaskArgs(
  spec: TaskSpec,
  args: readonly string[],
): TaskArgs {
  if (spec.passThrough) return new TaskArgs(new Map(), [], args);
  const flags = new Map((spec.flags ?? []).map((f) => [f.name, f]));
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    const flag = match ? flags.get(match[1]) : undefined;
    if (!match || !flag) throw new UsageError(`unknown option ${arg}`);
    if (values.has(flag.name)) {
      throw new UsageError(`--${flag.name} is given twice`);
    }
    if (!flag.value) {
      if (match[2] !== undefined) {
        throw new UsageError(`--${flag.name} takes no value`);
      }
      values.set(flag.name, true);
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      value = args[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`--${flag.name} needs a value (${flag.value})`);
      }
      i++;
    }
    values.set(flag.name, value);
  }
  if (positionals.length > 0 && !spec.positionals) {
    throw new UsageError(`unexpected argument ${positionals[0]}`);
  }
  return new TaskArgs(values, positionals, args);
}

/** The usage text `--help` prints. */
export function usage(spec: TaskSpec): string {
  const flags = spec.flags ?? [];
  const synopsis = [
    `deno task ${spec.name}`,
    ...(flags.length > 0 ? ["[options]"] : []),
    ...(spec.positionals ? [spec.positionals] : []),
  ].join(" ");
  const lines = [`Usage: ${synopsis}`, "", spec.summary];
  if (spec.details) lines.push("", spec.details.trim());
  const rows = (items: { left: string; text: string }[]) => {
    const width = Math.max(...items.map((r) => r.left.length));
    return items.map((r) => `  ${r.left.padEnd(width)}  ${r.text}`);
  };
  lines.push(
    "",
    "Options:",
    ...rows([
      ...flags.map((f) => ({
        left: f.value ? `--${f.name} ${f.value}` : `--${f.name}`,
        text: f.default === undefined
          ? f.description
          : `${f.description} (default ${f.default})`,
      })),
      { left: "-h, --help", text: "show this text and exit" },
    ]),
  );
  if (spec.env && spec.env.length > 0) {
    lines.push(
      "",
      "Environment:",
      ...rows(spec.env.map((e) => ({
        left: e.name,
        text: e.default === undefined
          ? e.description
          : `${e.description} (default ${e.default})`,
      }))),
    );
  }
  lines.push(
    "",
    spec.examples.length > 1 ? "Examples:" : "Example:",
    ...spec.examples.map((e) => `  ${e}`),
  );
  return `${lines.join("\n")}\n`;
}

/**
 * Runs a task's `main` for `args` (default `Deno.args`): `--help`/`-h` print
 * the usage and exit 0 before anything else happens; a `UsageError` (from
 * parsing or thrown by `main`) exits 2 and any other error 1, each with one
 * line on stderr. A number returned by `main` is the exit code; when it
 * returns nothing the process ends once its work is done (a server keeps
 * running).
 */
export async function runTask(
  spec: TaskSpec,
  main: (args: TaskArgs) => Promise<number | void> | number | void,
  args: readonly string[] = Deno.args,
): Promise<void> {
  if (wantsHelp(args)) {
    await writeAll(Deno.stdout, usage(spec));
    Deno.exit(0);
  }
  let code: number | void;
  try {
    code = await main(parseTaskArgs(spec, args));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `${spec.name}: ${error.message} (see deno task ${spec.name} --help)`,
      );
      Deno.exit(2);
    }
    console.error(`${spec.name} failed: ${oneLine(error)}`);
    Deno.exit(1);
  }
  if (typeof code === "number") Deno.exit(code);
}

/** One line: the message of an error and of its causes. */
export function oneLine(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && parts.length < 3) {
    const message = current instanceof Error
      ? current.message
      : String(current);
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ").replace(/\s+/g, " ").trim();
}

async function writeAll(
  file: { write(bytes: Uint8Array): Promise<number> },
  text: string,
): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}
