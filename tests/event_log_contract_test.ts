import { KvEventLog } from "../runtime/log/kv/mod.ts";
import { MemoryEventLog } from "../runtime/log/memory/mod.ts";
import { eventLogContract } from "./contracts/event_log_contract.ts";

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
