import type { ActorClient } from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import type { CommitMeta } from "../../runtime/core/mod.ts";
import { UniqueErrorCode } from "./decider.ts";
import type { UniqueKinds, UniqueState } from "./decider.ts";

type UniqueKind = (typeof UniqueKinds)[keyof typeof UniqueKinds];

export interface ReserveUniqueInput {
  kind: UniqueKind;
  value: string;
  /** The aggregate that will own the value. */
  owner: { type: string; id: string };
  at: string;
  /** The error when a live aggregate holds the value already. */
  taken: () => Error;
  signal?: AbortSignal;
  meta?: CommitMeta;
}

/**
 * Reserves a unique value for an aggregate that is about to be created. A
 * reservation left by a creation that never completed (a crash between the two
 * steps: its owner has no history) is taken over; one held by a live
 * aggregate fails with `taken()`. Release it with `releaseUnique` when the
 * creation is refused.
 */
export async function reserveUnique(
  system: ActorClient,
  input: ReserveUniqueInput,
): Promise<void> {
  const { signal, meta } = input;
  const reserve = (takeoverFrom?: string) =>
    system.ask(input.kind, input.value, {
      type: "reserve",
      owner: input.owner.id,
      at: input.at,
      takeoverFrom,
    }, { signal, meta });
  try {
    await reserve();
  } catch (error) {
    if (
      !(error instanceof DomainError && error.code === UniqueErrorCode.TAKEN)
    ) {
      throw error;
    }
    const current = await system.read<UniqueState>(input.kind, input.value, {
      signal,
    });
    const holder = current.state.owner!;
    const live = await system.read(input.owner.type, holder, { signal });
    if (live.version > 0) throw input.taken();
    await reserve(holder);
  }
}

/** Gives a reservation back (best effort: a leftover is taken over later). */
export async function releaseUnique(
  system: ActorClient,
  input: {
    kind: UniqueKind;
    value: string;
    owner: string;
    at: string;
    meta?: CommitMeta;
  },
): Promise<void> {
  await system.ask(input.kind, input.value, {
    type: "release",
    owner: input.owner,
    at: input.at,
  }, { meta: input.meta }).catch(() => {});
}
