/**
 * `deno task integration:credentials <name> [--consumers a,b] [--json]`:
 * makes the NATS user of one outside subscriber — a fresh nkey — and prints
 * the nats-server `authorization` block that admits it, with its seed (the
 * secret the subscriber connects with) in a comment above. The user may
 * subscribe to `tms.int.>`, read the stream `TMS_INTEGRATION` and manage
 * its own durable consumers on it (the names given, default `<name>`), get
 * their max-deliveries advisories, and use replies under `_INBOX_<name>.`;
 * nothing else — never `tms.evt.>` or `tms.rpc.>`, never another
 * subscriber's consumers, never a publish to `tms.int.>`.
 */
import { loadNkeys } from "../deps.ts";
import { IntegrationNames, JetStreamNames } from "../runtime/core/mod.ts";
import { runTask, usage, UsageError } from "./cli.ts";
import type { TaskSpec } from "./cli.ts";

/** `deno task integration:credentials`: its usage text. */
export const integrationCredentialsTask: TaskSpec = {
  name: "integration:credentials",
  summary:
    "Makes a NATS user (an nkey) for an outside subscriber of the integration events and prints its nats-server authorization block.",
  positionals: "<name>",
  details:
    `The user may subscribe to ${IntegrationNames.subjectPrefix}.>, read the stream ${IntegrationNames.stream}, and create,
read, use and delete its own durable consumers on it (the --consumers names,
default <name>), with replies under _INBOX_<name>. and the max-deliveries
advisories of those consumers. Everything else is denied, ${JetStreamNames.subjectPrefix}.> and
${JetStreamNames.rpcPrefix}.> by name. Add the user to the users list of the authorization block
of every nats-server (beside the users the TMS nodes connect as), reload
the servers, and give the subscriber the seed (a secret: it is printed
once, in the comment above the block) and the consumer names; it connects
with the seed and inboxPrefix "_INBOX_<name>" (docs/integration/subscriber.ts).`,
  flags: [
    {
      name: "consumers",
      value: "NAMES",
      default: "<name>",
      description: "comma-separated durable consumer names the user may manage",
    },
    {
      name: "json",
      description:
        "print { name, publicKey, seed, inboxPrefix, consumers, permissions } as JSON instead",
    },
  ],
  examples: [
    "deno task integration:credentials acme",
    "deno task integration:credentials acme --consumers acme-invoices,acme-kontroll",
  ],
};

/** The usage text, as `--help` prints it. */
export const HELP = usage(integrationCredentialsTask);

/** A subscriber's publish and subscribe permissions, as nats-server reads them. */
export interface SubscriberPermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[]; deny: string[] };
}

/** One subscriber's NATS user. */
export interface SubscriberCredentials {
  name: string;
  /** The user's public nkey (`U…`): what the server holds. */
  publicKey: string;
  /** The user's seed (`SU…`): the subscriber's secret. */
  seed: string;
  /** Replies to this user's requests come under it. */
  inboxPrefix: string;
  consumers: string[];
  permissions: SubscriberPermissions;
}

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** The permissions of subscriber `name` managing `consumers`. */
export function subscriberPermissions(
  name: string,
  consumers: readonly string[],
): SubscriberPermissions {
  const s = IntegrationNames.stream;
  const api = "$JS.API";
  const perConsumer = consumers.flatMap((c) => [
    `${api}.CONSUMER.CREATE.${s}.${c}`,
    `${api}.CONSUMER.CREATE.${s}.${c}.>`,
    `${api}.CONSUMER.DURABLE.CREATE.${s}.${c}`,
    `${api}.CONSUMER.INFO.${s}.${c}`,
    `${api}.CONSUMER.DELETE.${s}.${c}`,
    `${api}.CONSUMER.MSG.NEXT.${s}.${c}`,
    `$JS.ACK.${s}.${c}.>`,
  ]);
  const internal = [
    `${JetStreamNames.subjectPrefix}.>`,
    `${JetStreamNames.rpcPrefix}.>`,
  ];
  return {
    publish: {
      allow: [
        `${api}.INFO`,
        `${api}.STREAM.INFO.${s}`,
        `${api}.STREAM.MSG.GET.${s}`,
        `${api}.DIRECT.GET.${s}`,
        `${api}.DIRECT.GET.${s}.>`,
        ...perConsumer,
      ],
      deny: [...internal, `${IntegrationNames.subjectPrefix}.>`],
    },
    subscribe: {
      allow: [
        `${IntegrationNames.subjectPrefix}.>`,
        `_INBOX_${name}.>`,
        ...consumers.map((c) =>
          `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${s}.${c}`
        ),
      ],
      deny: internal,
    },
  };
}

/** A fresh nkey user for subscriber `name`. */
export async function subscriberCredentials(
  name: string,
  consumers: readonly string[] = [name],
): Promise<SubscriberCredentials> {
  for (const value of [name, ...consumers]) {
    if (!TOKEN.test(value)) {
      throw new UsageError(
        `"${value}" may hold only letters, digits, "-" and "_" (at most 64)`,
      );
    }
  }
  const { createUser } = await loadNkeys();
  const pair = createUser();
  return {
    name,
    publicKey: pair.getPublicKey(),
    seed: new TextDecoder().decode(pair.getSeed()),
    inboxPrefix: `_INBOX_${name}`,
    consumers: [...consumers],
    permissions: subscriberPermissions(name, consumers),
  };
}

/** The nats-server configuration text of the user (an `authorization` block). */
export function authorizationBlock(credentials: SubscriberCredentials): string {
  const list = (items: string[]) =>
    `[${items.map((i) => JSON.stringify(i)).join(", ")}]`;
  const { publish, subscribe } = credentials.permissions;
  return [
    `# TMS integration subscriber "${credentials.name}": add this user to the users of`,
    `# the authorization block of every nats-server (beside the TMS nodes' users).`,
    `# Its seed, for the subscriber only (a secret; it is not kept anywhere):`,
    `#   ${credentials.seed}`,
    `# Consumers it may manage on ${IntegrationNames.stream}: ${
      credentials.consumers.join(", ")
    }; inbox prefix: ${credentials.inboxPrefix}`,
    `authorization {`,
    `  users: [`,
    `    {`,
    `      nkey: ${JSON.stringify(credentials.publicKey)}`,
    `      permissions: {`,
    `        publish: {`,
    `          allow: ${list(publish.allow)}`,
    `          deny: ${list(publish.deny)}`,
    `        }`,
    `        subscribe: {`,
    `          allow: ${list(subscribe.allow)}`,
    `          deny: ${list(subscribe.deny)}`,
    `        }`,
    `      }`,
    `    }`,
    `  ]`,
    `}`,
    ``,
  ].join("\n");
}

if (import.meta.main) {
  await runTask(integrationCredentialsTask, async (args) => {
    const [name, ...rest] = args.positionals;
    if (!name) throw new UsageError("the subscriber's name is missing");
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}`);
    const consumers = args.string("consumers")?.split(",").map((c) =>
      c.trim()
    ).filter((c) => c !== "") ?? [name];
    const credentials = await subscriberCredentials(name, consumers);
    console.log(
      args.has("json")
        ? JSON.stringify(credentials, null, 2)
        : authorizationBlock(credentials),
    );
  });
}
