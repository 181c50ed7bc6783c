import assert from "node:assert/strict";
import { natsConnect } from "../../deps.ts";
import { AuthKeyNames, UnavailableError } from "../../runtime/core/mod.ts";
import {
  currentKey,
  FileTokenKeyStore,
  NatsTokenKeyStore,
  TokenService,
} from "../../runtime/auth/mod.ts";
import {
  HELP,
  keysRotateTask,
  openTokenKeyStore,
  rotateKeys,
} from "../../ops/keys_rotate.ts";
import { parseTaskArgs, UsageError } from "../../ops/cli.ts";
import { NatsServer } from "../support/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const OPTIONS = { issuer: "https://tms.test", audience: "tms" };

Deno.test("keys:rotate: it takes no arguments; the help names both key sets", () => {
  assert.deepEqual(parseTaskArgs(keysRotateTask, []).positionals, []);
  assert.throws(() => parseTaskArgs(keysRotateTask, ["--force"]), UsageError);
  assert.throws(() => parseTaskArgs(keysRotateTask, ["now"]), UsageError);
  assert.match(HELP, /tms_auth_keys/);
  assert.match(HELP, /auth_keys\.json/);
});

Deno.test("keys:rotate: embedded, it rotates the node's file and the node signs with the new key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-keys-rotate-" });
  try {
    const env = { TMS_DATA_DIR: dir };
    const empty = await openTokenKeyStore(env);
    await assert.rejects(
      rotateKeys(empty.store, empty.where),
      /No access-token key set in .*auth_keys\.json \(a node creates it at start\)/,
    );
    await empty.close();
    assert.equal(
      await Deno.stat(`${dir}/${AuthKeyNames.file}`).catch(() => null),
      null,
      "the task creates nothing",
    );
    let now = Date.now();
    const node = await TokenService.open(
      new FileTokenKeyStore(`${dir}/${AuthKeyNames.file}`),
      { ...OPTIONS, now: () => now },
    );
    const before = node.currentKid;
    const opened = await openTokenKeyStore(env);
    const rotation = await rotateKeys(opened.store, opened.where);
    await opened.close();
    assert.equal(rotation.previous, before);
    assert.notEqual(rotation.kid, before);
    assert.equal(rotation.keys, 2);
    now += 61_000;
    const { token } = await node.sign({ sub: "u" });
    const kid = JSON.parse(
      atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")),
    ).kid;
    assert.equal(kid, rotation.kid);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys:rotate: distributed, it needs the nodes' bucket and rotates the key set they share", async () => {
  const server = await NatsServer.start();
  const nc = await natsConnect({ servers: server.url });
  try {
    const env = { TMS_NATS_URL: server.url, TMS_DATA_DIR: "/nonexistent" };
    await assert.rejects(openTokenKeyStore(env), UnavailableError);
    const store = await NatsTokenKeyStore.open(nc);
    const node = await TokenService.open(store, OPTIONS);
    const opened = await openTokenKeyStore(env);
    try {
      const rotation = await rotateKeys(opened.store, opened.where);
      assert.equal(rotation.previous, node.currentKid);
      const shared = (await store.read())!;
      assert.equal(currentKey(shared.keySet).kid, rotation.kid);
    } finally {
      await opened.close();
    }
  } finally {
    await nc.close();
    await server.dispose();
  }
});

/** Runs `deno task keys:rotate` as its own process. */
async function task(env: Record<string, string>, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}ops/keys_rotate.ts`, ...args],
    cwd: ROOT,
    env: { TMS_NATS_URL: "", TMS_DATA_DIR: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

Deno.test("keys:rotate: as a process it prints the kid, exits 1 with one line on error, 2 on a bad argument", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-keys-rotate-" });
  try {
    const help = await task({}, "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage:/);
    const usage = await task({ TMS_DATA_DIR: dir }, "now");
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr.trim().split("\n").length, 1);
    const missing = await task({ TMS_DATA_DIR: dir });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^keys:rotate failed: No access-token key set in /,
    );
    assert.equal(missing.stderr.trim().split("\n").length, 1);
    const store = new FileTokenKeyStore(`${dir}/${AuthKeyNames.file}`);
    await TokenService.open(store, OPTIONS);
    const rotated = await task({ TMS_DATA_DIR: dir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const kid = rotated.stdout.trim();
    assert.match(kid, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(currentKey((await store.read())!.keySet).kid, kid);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
