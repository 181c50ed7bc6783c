import assert from "node:assert/strict";
import { DomainError } from "../../runtime/core/mod.ts";
import { sha256Hex } from "../../runtime/storage/mod.ts";
import type { FilePutOptions, FileStore } from "../../runtime/storage/mod.ts";

/** How a `FileStore` backend under test is opened and cleaned up. */
export interface FileStoreFixture {
  open(): Promise<FileStore>;
  /** Opens the same store again, to prove durability. */
  reopen?: () => Promise<FileStore>;
  cleanup?: () => Promise<void>;
}

/** A tiny PNG: the 8-byte signature plus filler. */
export function png(size = 64, fill = 1): Uint8Array {
  const bytes = new Uint8Array(size).fill(fill);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes;
}

export function jpeg(size = 64): Uint8Array {
  const bytes = new Uint8Array(size).fill(7);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return bytes;
}

const opts: FilePutOptions = {
  contentType: "image/png",
  accept: ["image/png", "image/jpeg"],
  maxBytes: 1024,
};

function stream(bytes: Uint8Array, chunk = 100): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function rejects(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

/** The behaviour every `FileStore` backend shares. */
export function fileStoreContract(
  name: string,
  fixture: () => FileStoreFixture,
) {
  const test = (
    title: string,
    fn: (files: FileStore, f: FileStoreFixture) => Promise<void>,
  ) =>
    Deno.test(`file store [${name}]: ${title}`, async () => {
      const f = fixture();
      const files = await f.open();
      try {
        await fn(files, f);
      } finally {
        await files.close();
        await f.cleanup?.();
      }
    });

  test("put, stat, get and delete", async (files) => {
    const bytes = png(300);
    const info = await files.put("photo-1", bytes, opts);
    assert.equal(info.id, "photo-1");
    assert.equal(info.size, 300);
    assert.equal(info.contentType, "image/png");
    assert.equal(info.sha256, await sha256Hex(bytes));
    assert.deepEqual(await files.stat("photo-1"), info);
    const got = await files.get("photo-1");
    assert.deepEqual(got?.info, info);
    assert.deepEqual(got?.data, bytes);
    assert.equal(await files.delete("photo-1"), true);
    assert.equal(await files.get("photo-1"), null);
    assert.equal(await files.stat("photo-1"), null);
    assert.equal(await files.delete("photo-1"), false);
  });

  test("a stream is read to the end; content type parameters are ignored", async (files) => {
    const bytes = jpeg(1000);
    const info = await files.put("s1", stream(bytes), {
      ...opts,
      contentType: "Image/JPEG; q=1",
    });
    assert.equal(info.contentType, "image/jpeg");
    assert.deepEqual((await files.get("s1"))?.data, bytes);
  });

  test("put is idempotent for the same bytes, other bytes under the id are refused", async (files) => {
    const first = await files.put("same", png(100), opts);
    assert.deepEqual(await files.put("same", png(100), opts), first);
    await rejects(files.put("same", png(100, 2), opts), "file.exists");
    const racing = await Promise.allSettled([
      files.put("race", png(100, 3), opts),
      files.put("race", png(100, 4), opts),
    ]);
    assert.equal(
      racing.filter((r) => r.status === "fulfilled").length >= 1,
      true,
    );
    const stored = await files.get("race");
    const winner = racing.find((r) => r.status === "fulfilled") as
      | PromiseFulfilledResult<{ sha256: string }>
      | undefined;
    assert.equal(stored?.info.sha256, winner?.value.sha256);
    assert.equal(stored?.info.sha256, await sha256Hex(stored!.data));
  });

  test("size, type and signature are checked", async (files) => {
    await rejects(files.put("big", png(1025), opts), "file.too_large");
    await rejects(
      files.put("big-stream", stream(png(5000)), opts),
      "file.too_large",
    );
    await rejects(files.put("empty", new Uint8Array(), opts), "file.empty");
    await rejects(
      files.put("gif", png(10), { ...opts, contentType: "image/gif" }),
      "file.unsupported_type",
    );
    await rejects(
      files.put("fake", jpeg(10), { ...opts, contentType: "image/png" }),
      "file.content_mismatch",
    );
    assert.equal(await files.stat("big"), null);
    assert.equal(await files.stat("big-stream"), null);
    await assert.rejects(files.put("../etc", png(10), opts), TypeError);
    await assert.rejects(files.get("a/b"), TypeError);
  });

  if (fixture().reopen) {
    test("files survive a reopen", async (files, f) => {
      const info = await files.put("kept", png(200), opts);
      await files.close();
      const again = await f.reopen!();
      try {
        assert.deepEqual((await again.get("kept"))?.info, info);
      } finally {
        await again.close();
      }
    });
  }
}
