import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import { BEDRIFT, BedriftStatus } from "../bedrift/mod.ts";
import type { BedriftState } from "../bedrift/mod.ts";
import { INVOICE } from "./types.ts";
import type { InvoiceEvent } from "./events.ts";
import { InvoiceErrorCode } from "./types.ts";
import type { InvoiceState, KundeInput } from "./types.ts";

export interface DraftInvoiceInput {
  id: string;
  bedriftId: string;
  kunde: KundeInput;
  at: string;
}

/**
 * Drafts an invoice for an active bedrift. The bedrift is read through its own
 * actor first: an unknown bedrift is a 422 (the request can never succeed), one
 * that is not AKTIV a 409.
 */
export async function draftInvoice(
  system: ActorClient,
  input: DraftInvoiceInput,
  options: AskOptions = {},
): Promise<AskResult<InvoiceEvent, InvoiceState>> {
  const bedrift = await system.read<BedriftState>(BEDRIFT, input.bedriftId, {
    signal: options.signal,
    principal: options.principal,
  });
  if (bedrift.version === 0) {
    throw new DomainError(
      InvoiceErrorCode.UNKNOWN_BEDRIFT,
      "No bedrift with that id",
      { status: 422 },
    );
  }
  if (bedrift.state.status !== BedriftStatus.AKTIV) {
    throw new DomainError(
      InvoiceErrorCode.BEDRIFT_NOT_ACTIVE,
      `Bedrift is ${bedrift.state.status} and cannot invoice`,
    );
  }
  return await system.ask<InvoiceEvent, InvoiceState>(INVOICE, input.id, {
    type: "draft",
    bedriftId: input.bedriftId,
    kunde: input.kunde,
    at: input.at,
  }, options);
}
