/**
 * What every mapping file uses: the mapping of one domain event type, the
 * integration event made from a catalogue entry, money with two decimals.
 */
import { Decimal } from "../../deps.ts";
import type { Commit, DomainEvent } from "../../runtime/core/mod.ts";
import type { IntegrationEvent } from "../../runtime/relay/mod.ts";
import { INTEGRATION_EVENTS } from "../../schemas/integration/mod.ts";
import type {
  IntegrationData,
  IntegrationEventName,
} from "../../schemas/integration/mod.ts";
import type { StreamOrigin } from "./origin.ts";

/** What a mapping sees besides the event: its commit and its stream's origin. */
export interface MappingContext<O extends StreamOrigin | null> {
  commit: Commit;
  origin: O;
}

/**
 * The mapping of one domain event type: pure; `kind` names the origin it
 * needs (the relay then looks the stream's first commit up), or null.
 */
export interface EventMapping {
  needs: StreamOrigin["kind"] | null;
  map(
    data: unknown,
    context: MappingContext<StreamOrigin | null>,
  ): IntegrationEvent | null;
}

/** The stream's origin was needed and is not there (or is another stream's). */
export class MissingOriginError extends Error {
  override name = "MissingOriginError";
}

/** A mapping that needs the stream's origin of `kind`. */
export function withOrigin<
  E extends DomainEvent,
  K extends StreamOrigin["kind"],
>(
  kind: K,
  map: (
    data: E["data"],
    context: MappingContext<Extract<StreamOrigin, { kind: K }>>,
  ) => IntegrationEvent | null,
): EventMapping {
  return {
    needs: kind,
    map: (data, context) => {
      if (context.origin?.kind !== kind) {
        throw new MissingOriginError(
          `${context.commit.type}/${context.commit.id}@${context.commit.version}: the stream's first commit (${kind}) is needed to map it`,
        );
      }
      return map(
        data as E["data"],
        context as MappingContext<Extract<StreamOrigin, { kind: K }>>,
      );
    },
  };
}

/** A mapping that needs nothing but the event and its commit. */
export function plain<E extends DomainEvent>(
  map: (
    data: E["data"],
    context: MappingContext<StreamOrigin | null>,
  ) => IntegrationEvent | null,
): EventMapping {
  return {
    needs: null,
    map: (data, context) => map(data as E["data"], context),
  };
}

/** The integration event of catalogue entry `name` with `data`, at `time`. */
export function integrationEvent<N extends IntegrationEventName>(
  name: N,
  data: IntegrationData<N>,
  time: string,
): IntegrationEvent {
  const spec = INTEGRATION_EVENTS[name];
  const record = data as Record<string, unknown>;
  return {
    type: spec.type,
    aggregate: spec.aggregate,
    event: spec.event,
    tenant: String(record.bedriftId),
    subject: String(record[spec.subjectField]),
    time,
    data: record,
  };
}

/** An amount with exactly two decimals (`"70"` → `"70.00"`). */
export function money(amount: string): string {
  return new Decimal(amount).toFixed(2);
}

/** `value` when it is a 9-digit organisation number, else null. */
export function orgnr(value: string | null | undefined): string | null {
  return value && /^\d{9}$/.test(value) ? value : null;
}
