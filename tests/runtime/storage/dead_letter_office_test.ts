import assert from "node:assert/strict";
import { delay, UnavailableError } from "../../../runtime/core/mod.ts";
import type {
  DeadLetter,
  DeadLetterInput,
  DeadLetterRetrier,
  SignalOptions,
} from "../../../runtime/core/mod.ts";
import {
  DeadLetterOffice,
  MemoryDeadLetterStore,
} from "../../../runtime/storage/mod.ts";
import { projectionInput } from "../../contracts/dead_letter_store_contract.ts";

/** A memory store that can be taken down. */
class FlakyStore extends MemoryDeadLetterStore {
  down = false;
  override record(input: DeadLetterInput, options?: SignalOptions) {
    if (this.down) return Promise.reject(new UnavailableError("store down"));
    return super.record(input, options);
  }
  override changeMark() {
    if (this.down) return Promise.reject(new UnavailableError("store down"));
    return super.changeMark();
  }
}

/** A retrier that counts its calls and answers as told. */
function countingRetrier(
  answer: (letter: DeadLetter, signal?: AbortSignal) => Promise<void> = () =>
    Promise.resolve(),
  can = true,
) {
  const calls: string[] = [];
  const retrier: DeadLetterRetrier = {
    canRetry: () => can,
    async retry(letter, { signal }) {
      calls.push(letter.id);
      await answer(letter, signal);
      return { status: "resolved", detail: "done" };
    },
  };
  return { calls, retrier };
}

Deno.test("dead-letter office: reports taken while the store is down are written once it answers; the node stays ready", async () => {
  const store = new FlakyStore();
  const office = new DeadLetterOffice({ store, node: "n1" });
  try {
    // Given a store that does not answer
    store.down = true;
    // When the engine reports two poison commits
    office.record(projectionInput("bedrifter", 4));
    office.record(projectionInput("invoices", 5));
    await office.flush();
    // Then they wait in memory, visibly
    assert.equal(office.readiness().pendingWrites, 2);
    assert.equal(office.readiness().ok, true);
    assert.equal(office.readiness().degraded, true);
    assert.match(office.metrics(), /tms_dead_letters_pending_writes 2/);
    assert.match(office.readiness().error ?? "", /store down/);
    // And when it answers again they are written, once each
    store.down = false;
    await office.tick();
    assert.equal((await store.all()).length, 2);
    assert.equal(office.readiness().pendingWrites, 0);
    assert.equal(office.readiness().open, 2);
    assert.equal(office.readiness().byStatus.open, 2);
    assert.equal(office.readiness().error, undefined);
    assert.match(
      office.metrics(),
      /tms_dead_letters\{kind="projection",status="open"\} 2/,
    );
    assert.match(
      office.metrics(),
      /tms_dead_letters_recorded_total\{kind="projection"\} 2/,
    );
  } finally {
    await office.stop();
  }
});

Deno.test("dead-letter office: at most the newest reports are held while the store is down", async () => {
  const store = new FlakyStore();
  store.down = true;
  const office = new DeadLetterOffice({ store, node: "n1", maxPending: 2 });
  for (let i = 1; i <= 3; i++) office.record(projectionInput("p", i));
  await office.flush();
  assert.match(office.metrics(), /tms_dead_letters_dropped_total 1/);
  store.down = false;
  await office.stop();
  const positions = (await store.all()).map((l) => l.projection?.position);
  assert.deepEqual(positions.sort(), [2, 3]);
});

Deno.test("dead-letter office: of two nodes polling one store, one performs a requested retry", async () => {
  const store = new MemoryDeadLetterStore();
  const a = countingRetrier();
  const b = countingRetrier();
  const one = new DeadLetterOffice({
    store,
    node: "n1",
    retriers: { projection: a.retrier },
  });
  const two = new DeadLetterOffice({
    store,
    node: "n2",
    retriers: { projection: b.retrier },
  });
  try {
    const letter = await store.record(projectionInput("bedrifter", 4));
    await store.requestRetry(letter.id);
    await Promise.all([one.tick(), two.tick()]);
    await Promise.all([one.idle(), two.idle()]);
    assert.equal(a.calls.length + b.calls.length, 1);
    const done = (await store.get(letter.id))!;
    assert.equal(done.status, "resolved");
    assert.equal(done.retries, 1);
  } finally {
    await one.stop();
    await two.stop();
  }
});

Deno.test("dead-letter office: a node that cannot perform a kind leaves the retry to one that can", async () => {
  const store = new MemoryDeadLetterStore();
  const standby = countingRetrier(undefined, false);
  const projector = countingRetrier();
  const first = new DeadLetterOffice({
    store,
    node: "standby",
    retriers: { projection: standby.retrier },
  });
  const second = new DeadLetterOffice({
    store,
    node: "projector",
    retriers: { projection: projector.retrier },
  });
  try {
    const letter = await store.record(projectionInput("bedrifter", 4));
    await store.requestRetry(letter.id);
    await first.tick();
    await first.idle();
    assert.equal((await store.get(letter.id))!.status, "retry_requested");
    await second.tick();
    await second.idle();
    assert.deepEqual(projector.calls, [letter.id]);
    assert.equal(standby.calls.length, 0);
    assert.equal((await store.get(letter.id))!.claim, null);
  } finally {
    await first.stop();
    await second.stop();
  }
});

Deno.test("dead-letter office: a retry that does not finish in time counts as failed again; a claim left by a node that went away is taken over", async () => {
  const store = new MemoryDeadLetterStore();
  const hanging = countingRetrier(
    (_letter, signal) =>
      new Promise((_, reject) =>
        signal?.addEventListener("abort", () => reject(signal.reason))
      ),
  );
  const slow = new DeadLetterOffice({
    store,
    node: "slow",
    retryTimeoutMs: 20,
    retriers: { projection: hanging.retrier },
  });
  const letter = await store.record(projectionInput("bedrifter", 4));
  await store.requestRetry(letter.id);
  await slow.tick();
  await slow.idle();
  const timedOut = (await store.get(letter.id))!;
  assert.equal(timedOut.status, "open");
  assert.match(timedOut.reason, /did not finish within 0.02 s/);
  await slow.stop();

  // A node claims it and goes away without a word.
  await store.requestRetry(letter.id);
  assert.ok(await store.claimRetry(letter.id, "gone"));
  const healthy = countingRetrier();
  const survivor = new DeadLetterOffice({
    store,
    node: "survivor",
    staleClaimMs: 10,
    retriers: { projection: healthy.retrier },
  });
  try {
    await survivor.tick();
    await survivor.idle();
    assert.equal(healthy.calls.length, 0, "a fresh claim is left alone");
    await delay(20);
    await store.record(projectionInput("other", 1)); // any change: look again
    await survivor.tick();
    await survivor.idle();
    assert.deepEqual(healthy.calls, [letter.id]);
    assert.equal((await store.get(letter.id))!.status, "resolved");
  } finally {
    await survivor.stop();
  }
});

Deno.test("dead-letter office: closed letters are purged after the retention time, open ones kept", async () => {
  const store = new MemoryDeadLetterStore();
  const closed = await store.record(projectionInput("a", 1));
  await store.resolve(closed.id, "n1", "passed");
  const open = await store.record(projectionInput("b", 2));
  await delay(5);
  const office = new DeadLetterOffice({ store, node: "n1", retentionMs: 1 });
  await office.tick();
  await office.stop();
  assert.equal(await store.get(closed.id), null);
  assert.ok(await store.get(open.id));
});

Deno.test("dead-letter office: a reconciling retrier closes letters that no longer need a retry", async () => {
  const store = new MemoryDeadLetterStore();
  const letter = await store.record(projectionInput("bedrifter", 4));
  const office = new DeadLetterOffice({
    store,
    node: "n1",
    retriers: {
      projection: {
        canRetry: () => true,
        retry: () => Promise.reject(new Error("not called")),
        reconcile: (l) =>
          l.projection?.position === 4 ? "past position 4 (at 9)" : null,
      },
    },
  });
  try {
    await office.tick();
    const got = (await store.get(letter.id))!;
    assert.equal(got.status, "resolved");
    assert.equal(got.resolution, "past position 4 (at 9)");
  } finally {
    await office.stop();
  }
});
