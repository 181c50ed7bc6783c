import { EMPLOYEE } from "./types.ts";
import { EmployeeErrorCode } from "./types.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import type { KeyStore } from "../../runtime/storage/mod.ts";
import { BEDRIFT, BedriftStatus } from "../bedrift/mod.ts";
import type { BedriftState } from "../bedrift/mod.ts";
import { releaseUnique, reserveUnique, UniqueKinds } from "../unique/mod.ts";
import { maskFodselsnummer } from "../validators/mod.ts";
import type { EmployeeEvent } from "./events.ts";
import type { EmployeeCommand, EmployeeState } from "./types.ts";
import type { EncryptedFodselsnummer } from "./types.ts";

type Hire = Extract<EmployeeCommand, { type: "hire" }>;
type Update = Extract<EmployeeCommand, { type: "update" }>;

/** What hiring takes: the hire command with the fødselsnummer in clear. */
export type HireEmployeeInput = Omit<Hire, "type" | "fodselsnummer"> & {
  fodselsnummer?: string | null;
};

/** A profile change with the fødselsnummer in clear. */
export type UpdateEmployeeInput = Omit<Update, "type" | "fodselsnummer"> & {
  fodselsnummer?: string | null;
};

type Result = AskResult<EmployeeEvent, EmployeeState>;

/**
 * The id of the reservation actor of an ansattnummer in a bedrift:
 * `<bedriftId>:<ansattnummer>`, the number hex-encoded when it holds anything
 * but letters, digits, `_` and `-` (ids end up in log subjects and keys).
 */
export function ansattnummerKey(
  bedriftId: string,
  ansattnummer: string,
): string {
  const plain = /^[A-Za-z0-9_-]{1,40}$/.test(ansattnummer);
  const part = plain
    ? ansattnummer
    : `x${
      [...new TextEncoder().encode(ansattnummer)].map((b) =>
        b.toString(16).padStart(2, "0")
      ).join("")
    }`;
  return `${bedriftId}:${part}`;
}

/**
 * Encrypts a fødselsnummer with the person's key and masks it: what the
 * employee aggregate holds. The plain number never reaches a command or event.
 */
export async function encryptFodselsnummer(
  keys: KeyStore,
  employeeId: string,
  fodselsnummer: string,
): Promise<EncryptedFodselsnummer> {
  return {
    encrypted: await keys.encrypt(employeeId, fodselsnummer),
    masked: maskFodselsnummer(fodselsnummer),
  };
}

/**
 * Hires an employee: the bedrift must be AKTIV; the ansattnummer is reserved
 * per bedrift first (a reservation left by a hire that never completed is
 * taken over); the fødselsnummer is encrypted with a key of the employee's
 * own. A refused hire releases the reservation and the key.
 */
export async function hireEmployee(
  system: ActorClient,
  keys: KeyStore,
  input: HireEmployeeInput,
  options: AskOptions = {},
): Promise<Result> {
  const { signal, meta } = options;
  const bedrift = await system.read<BedriftState>(BEDRIFT, input.bedriftId, {
    signal,
    principal: options.principal,
  });
  if (bedrift.version === 0) {
    throw new DomainError(
      EmployeeErrorCode.UNKNOWN_BEDRIFT,
      "No bedrift with that id",
      { status: 422 },
    );
  }
  if (bedrift.state.status !== BedriftStatus.AKTIV) {
    throw new DomainError(
      EmployeeErrorCode.BEDRIFT_NOT_ACTIVE,
      `Bedrift is ${bedrift.state.status} and cannot hire`,
    );
  }
  const key = ansattnummerKey(input.bedriftId, input.ansattnummer.trim());
  const { fodselsnummer, ...rest } = input;
  // Encrypted before the reservation, so nothing awaits between reserving
  // and hiring: a competing hire that finds the reservation then sees this
  // hire queued at the employee and does not take the number over.
  const encrypted = fodselsnummer
    ? await encryptFodselsnummer(keys, input.id, fodselsnummer)
    : null;
  const forgetKey = async () => {
    const after = await system.read(EMPLOYEE, input.id);
    if (after.version === 0) await keys.shred(input.id).catch(() => {});
  };
  try {
    await reserveUnique(system, {
      kind: UniqueKinds.ansattnummer,
      value: key,
      owner: { type: EMPLOYEE, id: input.id },
      at: input.at,
      taken: () =>
        new DomainError(
          EmployeeErrorCode.ANSATTNUMMER_TAKEN,
          `Ansattnummer ${input.ansattnummer} is in use in this bedrift`,
        ),
      signal,
      meta,
    });
  } catch (error) {
    await forgetKey();
    throw error;
  }
  try {
    return await system.ask<EmployeeEvent, EmployeeState>(
      EMPLOYEE,
      input.id,
      { type: "hire", ...rest, fodselsnummer: encrypted },
      options,
    );
  } catch (error) {
    if (
      error instanceof DomainError &&
      error.code !== EmployeeErrorCode.ALREADY_HIRED
    ) {
      await releaseUnique(system, {
        kind: UniqueKinds.ansattnummer,
        value: key,
        owner: input.id,
        at: input.at,
        meta,
      });
      await forgetKey();
    }
    throw error;
  }
}

/** Changes an employee's profile, encrypting a new fødselsnummer first. */
export async function updateEmployee(
  system: ActorClient,
  keys: KeyStore,
  id: string,
  input: UpdateEmployeeInput,
  options: AskOptions = {},
): Promise<Result> {
  const { fodselsnummer, ...rest } = input;
  const command: Update = { type: "update", ...rest };
  if (fodselsnummer !== undefined) {
    command.fodselsnummer = fodselsnummer === null
      ? null
      : await encryptFodselsnummer(keys, id, fodselsnummer);
  }
  return await system.ask<EmployeeEvent, EmployeeState>(
    EMPLOYEE,
    id,
    command,
    options,
  );
}
