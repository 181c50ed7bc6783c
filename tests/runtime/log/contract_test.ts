import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { EventUpcasters } from "../../../runtime/core/mod.ts";
import {
  FaultyEventLog,
  SealingEventLog,
  UpcastingEventLog,
} from "../../../runtime/log/mod.ts";
import {
  KeyStoreSealer,
  MemoryKeyStore,
} from "../../../runtime/storage/mod.ts";
import { eventLogContract } from "../../contracts/event_log_contract.ts";
import { ChaosEventLog, FaultRegistry } from "../../../runtime/chaos/mod.ts";

eventLogContract("memory", () => ({
  open: () => Promise.resolve(new MemoryEventLog()),
}));

eventLogContract("deno-kv", () => {
  let dir = "";
  return {
    async open() {
      dir = await Deno.makeTempDir({ prefix: "tms-kv-" });
      return await KvEventLog.open(`${dir}/events.kv`);
    },
    reopen: () => KvEventLog.open(`${dir}/events.kv`),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}, { durable: true });

// The fault seam with no fault injected must be a faithful log: the same
// contract, over a durable backend so reopen goes through the wrapper too.
eventLogContract("faulty(deno-kv)", () => {
  let dir = "";
  return {
    async open() {
      dir = await Deno.makeTempDir({ prefix: "tms-kv-" });
      return new FaultyEventLog(await KvEventLog.open(`${dir}/events.kv`));
    },
    reopen: async () =>
      new FaultyEventLog(await KvEventLog.open(`${dir}/events.kv`)),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}, { durable: true });

// The chaos seam with no fault active must be a faithful log as well.
const registry = new FaultRegistry({ node: "contract" });
eventLogContract("chaos(deno-kv)", () => {
  let dir = "";
  return {
    async open() {
      dir = await Deno.makeTempDir({ prefix: "tms-kv-" });
      return new ChaosEventLog(
        await KvEventLog.open(`${dir}/events.kv`),
        registry,
      );
    },
    reopen: async () =>
      new ChaosEventLog(await KvEventLog.open(`${dir}/events.kv`), registry),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}, { durable: true });

// The upcasting decorator must be a faithful log too. The contract's events
// are current in this registry (and another type has a step), so every read
// goes through the decorator's checks and comes back unchanged.
const upcasters = new EventUpcasters({ "thing.happened": 1, "other.made": 2 }, [
  { type: "other.made", from: 1, upcast: (data) => data },
]);
eventLogContract("upcasting(deno-kv)", () => {
  let dir = "";
  return {
    async open() {
      dir = await Deno.makeTempDir({ prefix: "tms-kv-" });
      return new UpcastingEventLog(
        await KvEventLog.open(`${dir}/events.kv`),
        upcasters,
      );
    },
    reopen: async () =>
      new UpcastingEventLog(
        await KvEventLog.open(`${dir}/events.kv`),
        upcasters,
      ),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}, { durable: true });

// The sealing decorator must be a faithful log too: the contract's events
// and snapshots are sealed in the store (their text, with the stream's key)
// and come back as they were appended.
eventLogContract("sealing(deno-kv)", () => {
  let dir = "";
  const keys = new MemoryKeyStore();
  const sealer = new KeyStoreSealer(keys, {
    events: {
      "thing.happened": { subject: (s) => s.id, paths: ["text"] },
      "other.happened": { subject: (s) => s.id, paths: ["text"] },
    },
    snapshots: { thing: (id) => id },
  });
  return {
    async open() {
      dir = await Deno.makeTempDir({ prefix: "tms-kv-" });
      return new SealingEventLog(
        await KvEventLog.open(`${dir}/events.kv`),
        sealer,
      );
    },
    reopen: async () =>
      new SealingEventLog(await KvEventLog.open(`${dir}/events.kv`), sealer),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}, { durable: true });
