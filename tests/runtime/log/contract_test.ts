import { KvEventLog } from "../../../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../../../runtime/log/memory/mod.ts";
import { FaultyEventLog } from "../../../runtime/log/mod.ts";
import { eventLogContract } from "../../contracts/event_log_contract.ts";

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
