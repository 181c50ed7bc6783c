import { FsFileStore, MemoryFileStore } from "../../../runtime/storage/mod.ts";
import { fileStoreContract } from "../../contracts/file_store_contract.ts";

fileStoreContract("memory", () => ({
  open: () => Promise.resolve(new MemoryFileStore()),
}));

fileStoreContract("filesystem", () => {
  let dir = "";
  return {
    async open() {
      dir = await Deno.makeTempDir({ prefix: "tms-files-" });
      return new FsFileStore(`${dir}/files`);
    },
    reopen: () => Promise.resolve(new FsFileStore(`${dir}/files`)),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});
