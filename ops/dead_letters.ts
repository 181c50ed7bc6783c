/**
 * `deno task dead-letters [list|show ID|retry ID]`: lists the dead letters of
 * this environment's nodes and asks the running node to retry one. See
 * `HELP` below; exits 0 on success, 1 with a one-line reason when something
 * failed (a retry that did not resolve included), 2 on a usage error.
 *
 * The task never performs a retry itself: it marks the letter
 * `retry_requested` in the store the nodes share, and the node that owns the
 * actor or runs the projection performs it (its loop polls the store about
 * once a second), so the actor's in-memory state, idempotency and the log's
 * fence stay right. The task then waits for the outcome the node records.
 */
import { natsConnect } from "../deps.ts";
import type { NatsConnection } from "../deps.ts";
import {
  DeadLetterKeys,
  DeadLetterKinds,
  DeadLetterStatuses,
  delay,
  isDeadLetterId,
  JetStreamNames,
} from "../runtime/core/mod.ts";
import type {
  DeadLetter,
  DeadLetterQuery,
  DeadLetterStatus,
  DeadLetterStore,
} from "../runtime/core/mod.ts";
import {
  KvDeadLetterStore,
  NatsDeadLetterStore,
} from "../runtime/storage/mod.ts";
import { oneLine, runTask, usage, UsageError as CliUsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** `deno task dead-letters`: its usage text. */
export const deadLettersTask: TaskSpec = {
  name: "dead-letters",
  summary:
    "Lists the dead letters of this environment's nodes and asks the running node to retry one.",
  positionals: "[list | show ID | retry ID]",
  details:
    `Dead letters are commands that failed for infrastructure reasons until their
actor parked, and poison commits that halt a projection. The store is the one
the nodes use: the JetStream KV bucket ${JetStreamNames.deadLetters} when TMS_NATS_URL is
set, else $TMS_DATA_DIR/${DeadLetterKeys.kvFile}.

  list        newest first, one line each
  show ID     one letter in full, as JSON: it holds the command, which may
              hold personal data (names) — keep it out of tickets and chats
  retry ID    asks the running node to retry it: a command is asked again
              with the same command id (one that had committed is not
              written twice), a projection resumes from its checkpoint; waits
              for the outcome. Exit 0 when resolved, 1 when rejected, failed
              again or no node answered in time (the request stays for the
              node), 2 on a usage error.`,
  flags: [
    { name: "kind", value: "K", description: "list: command or projection" },
    {
      name: "status",
      value: "S",
      description:
        "list: open, retry_requested, retrying, resolved or rejected",
    },
    {
      name: "limit",
      value: "N",
      default: "50",
      description: "list: letters per page (1–500)",
    },
    {
      name: "cursor",
      value: "C",
      description: "list: the nextCursor of the page before",
    },
    { name: "json", description: "list: { items, nextCursor } as JSON" },
    {
      name: "timeout",
      value: "SECONDS",
      default: "60",
      description: "retry: how long to wait for the outcome",
    },
    { name: "no-wait", description: "retry: return once requested" },
  ],
  env: [
    {
      name: "TMS_DATA_DIR",
      default: "./data",
      description: "the embedded node's data directory",
    },
    {
      name: "TMS_NATS_URL",
      description: "NATS servers: the distributed nodes' store",
    },
  ],
  examples: [
    "deno task dead-letters list --status=open",
    "deno task dead-letters retry cmd-0123456789abcdef --timeout=30",
  ],
  // The subcommands parse their own flags (parseDeadLetterArgs).
  passThrough: true,
};

/** The usage text, as `--help` prints it. */
export const HELP = usage(deadLettersTask);

/** The command line, parsed. */
export type DeadLetterArgs =
  | { command: "help" }
  | { command: "list"; query: DeadLetterQuery; json: boolean }
  | { command: "show"; id: string }
  | { command: "retry"; id: string; timeoutMs: number; wait: boolean };

/** A usage error (exit 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

const KINDS: readonly string[] = Object.values(DeadLetterKinds);
const STATUSES: readonly string[] = Object.values(DeadLetterStatuses);

/** Parses the arguments; throws `UsageError` naming a bad one. */
export function parseDeadLetterArgs(args: readonly string[]): DeadLetterArgs {
  if (args.includes("--help") || args.includes("-h")) {
    return { command: "help" };
  }
  const options = new Map<string, string | true>();
  const words: string[] = [];
  for (const arg of args) {
    const option = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (option) options.set(option[1], option[2] ?? true);
    else if (arg.startsWith("-")) throw new UsageError(`Unknown option ${arg}`);
    else words.push(arg);
  }
  const [command = "list", ...rest] = words;
  const take = (name: string): string | true | undefined => {
    const value = options.get(name);
    options.delete(name);
    return value;
  };
  const value = (name: string): string | undefined => {
    const raw = take(name);
    if (raw === true) throw new UsageError(`--${name} needs a value`);
    return raw;
  };
  let parsed: DeadLetterArgs;
  if (command === "list") {
    if (rest.length > 0) throw new UsageError(`Unexpected ${rest[0]}`);
    const kind = value("kind");
    if (kind !== undefined && !KINDS.includes(kind)) {
      throw new UsageError(`--kind must be one of ${KINDS.join(", ")}`);
    }
    const status = value("status");
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
    }
    const limit = value("limit");
    if (limit !== undefined && !/^\d+$/.test(limit)) {
      throw new UsageError("--limit must be a number from 1 to 500");
    }
    const limitN = limit === undefined ? undefined : Number(limit);
    if (limitN !== undefined && (limitN < 1 || limitN > 500)) {
      throw new UsageError("--limit must be a number from 1 to 500");
    }
    const cursor = value("cursor");
    parsed = {
      command: "list",
      query: {
        ...(kind ? { kind: kind as DeadLetter["kind"] } : {}),
        ...(status ? { status: status as DeadLetterStatus } : {}),
        ...(limitN !== undefined ? { limit: limitN } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      },
      json: take("json") === true,
    };
  } else if (command === "show" || command === "retry") {
    const [id, extra] = rest;
    if (id === undefined) throw new UsageError(`${command} needs an ID`);
    if (extra !== undefined) throw new UsageError(`Unexpected ${extra}`);
    if (!isDeadLetterId(id)) {
      throw new UsageError(
        `${id} is not a dead-letter id (cmd-… or prj-… with 16 hex digits)`,
      );
    }
    if (command === "show") {
      take("json");
      parsed = { command: "show", id };
    } else {
      const timeout = value("timeout");
      if (timeout !== undefined && !/^\d+(\.\d+)?$/.test(timeout)) {
        throw new UsageError("--timeout must be a number of seconds");
      }
      parsed = {
        command: "retry",
        id,
        timeoutMs: timeout === undefined ? 60_000 : Number(timeout) * 1000,
        wait: take("no-wait") !== true,
      };
    }
  } else {
    throw new UsageError(
      `Unknown command ${command}: list, show or retry (see --help)`,
    );
  }
  const [unknown] = options.keys();
  if (unknown !== undefined) {
    throw new UsageError(`Unknown option --${unknown} for ${command}`);
  }
  return parsed;
}

/** Where the task writes. */
export interface Output {
  out(line: string): void;
}

/** Runs a parsed command against a store; returns the exit code. */
export async function runDeadLetters(
  args: DeadLetterArgs,
  store: DeadLetterStore,
  output: Output,
  options: { pollMs?: number; by?: string; signal?: AbortSignal } = {},
): Promise<number> {
  switch (args.command) {
    case "help":
      output.out(HELP);
      return 0;
    case "list": {
      const page = await store.list(args.query, options);
      if (args.json) {
        output.out(JSON.stringify(page, null, 2));
        return 0;
      }
      for (const letter of page.items) output.out(listLine(letter));
      const count = page.items.length;
      output.out(
        count === 0
          ? "No dead letters"
          : `${count} dead letter${count === 1 ? "" : "s"}${
            page.nextCursor ? `; more: --cursor=${page.nextCursor}` : ""
          }`,
      );
      return 0;
    }
    case "show": {
      const letter = await store.get(args.id, options);
      if (!letter) throw new Error(`No dead letter ${args.id}`);
      output.out(JSON.stringify(letter, null, 2));
      return 0;
    }
    case "retry":
      return await retry(args, store, output, options);
  }
}

async function retry(
  args: Extract<DeadLetterArgs, { command: "retry" }>,
  store: DeadLetterStore,
  output: Output,
  options: { pollMs?: number; by?: string; signal?: AbortSignal },
): Promise<number> {
  const requested = await store.requestRetry(args.id, {
    by: options.by ?? `ops@${Deno.hostname()}`,
    signal: options.signal,
  });
  const who = requested.kind === DeadLetterKinds.projection
    ? `the node that runs projection ${requested.projection?.name}`
    : `the node that owns ${requested.command?.type}/${requested.command?.id}`;
  if (!args.wait) {
    output.out(`Retry of ${args.id} requested; ${who} performs it`);
    return 0;
  }
  output.out(
    `Retry of ${args.id} requested; waiting up to ${
      args.timeoutMs / 1000
    } s for ${who}`,
  );
  const deadline = Date.now() + args.timeoutMs;
  let letter: DeadLetter | null = requested;
  while (Date.now() < deadline) {
    await delay(options.pollMs ?? 250, options);
    letter = await store.get(args.id, options);
    if (!letter) throw new Error(`Dead letter ${args.id} was deleted`);
    if (
      letter.status !== DeadLetterStatuses.retryRequested &&
      letter.status !== DeadLetterStatuses.retrying
    ) {
      break;
    }
  }
  switch (letter?.status) {
    case DeadLetterStatuses.resolved:
      output.out(`resolved: ${letter.resolution}`);
      return 0;
    case DeadLetterStatuses.rejected:
      throw new Error(`rejected: ${letter.resolution}`);
    case DeadLetterStatuses.open:
      throw new Error(`failed again: ${letter.reason}`);
    default:
      throw new Error(
        `No outcome within ${args.timeoutMs / 1000} s: the letter is ${
          letter?.status ?? "gone"
        }, and ${who} performs it once it runs`,
      );
  }
}

/** One line of `list`: id, status, kind, what, when, failures, reason. */
export function listLine(letter: DeadLetter): string {
  const what = letter.kind === DeadLetterKinds.command && letter.command
    ? `${letter.command.type}/${letter.command.id} ${
      commandType(letter.command.command)
    }`
    : letter.projection
    ? `${letter.projection.name} @ ${letter.projection.position}${
      letter.projection.streamType
        ? ` (${letter.projection.streamType}/${letter.projection.streamId} v${letter.projection.version})`
        : ""
    }`
    : "?";
  const reason = letter.status === DeadLetterStatuses.resolved ||
      letter.status === DeadLetterStatuses.rejected
    ? letter.resolution ?? ""
    : letter.reason;
  return [
    letter.id,
    letter.status.padEnd(15),
    letter.kind.padEnd(10),
    what,
    letter.recordedAt,
    `failures ${letter.failures}`,
    reason.length > 120 ? `${reason.slice(0, 119)}…` : reason,
  ].join("  ");
}

function commandType(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === "string" ? type : "(command)";
}

/**
 * The store of this environment: the `tms_dead_letters` bucket when
 * `TMS_NATS_URL` is set (an existing one), else the node's
 * `$TMS_DATA_DIR/deadletters.kv` (an existing file).
 */
export async function openDeadLetterStore(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<{ store: DeadLetterStore; close(): Promise<void> }> {
  const nats = env.TMS_NATS_URL?.trim();
  if (nats) {
    const nc: NatsConnection = await natsConnect({
      servers: nats.split(",").map((s) => s.trim()),
      name: "tms-ops-dead-letters",
      maxReconnectAttempts: 2,
    });
    try {
      const store = await NatsDeadLetterStore.open(nc, { existing: true });
      return {
        store,
        async close() {
          await store.close();
          await nc.close();
        },
      };
    } catch (error) {
      await nc.close();
      throw error;
    }
  }
  const dir = env.TMS_DATA_DIR?.trim() || "./data";
  const path = `${dir}/${DeadLetterKeys.kvFile}`;
  try {
    const store = await KvDeadLetterStore.open(path, { create: false });
    return { store, close: () => store.close() };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `No dead-letter store at ${path} (set TMS_DATA_DIR or TMS_NATS_URL; a node creates it at start)`,
      );
    }
    throw error;
  }
}

if (import.meta.main) {
  await runTask(deadLettersTask, async (task) => {
    let args: DeadLetterArgs;
    try {
      args = parseDeadLetterArgs(task.raw);
    } catch (error) {
      throw new CliUsageError(oneLine(error));
    }
    const opened = await openDeadLetterStore();
    try {
      return await runDeadLetters(args, opened.store, {
        out: (line) => console.log(line),
      });
    } finally {
      await opened.close().catch(() => {});
    }
  });
}
