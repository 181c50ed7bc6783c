import type {
  ActorClient,
  AskOptions,
  AskResult,
} from "../../runtime/actor/mod.ts";
import { DomainError, ForbiddenError } from "../../runtime/core/mod.ts";
import { BEDRIFT } from "../bedrift/mod.ts";
import { releaseUnique, reserveUnique, UniqueKinds } from "../unique/mod.ts";
import type { UserEvent } from "./events.ts";
import type { UserServices } from "./services.ts";
import { USER, UserErrorCode, UserRole } from "./types.ts";
import type { UserState } from "./types.ts";

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** An e-mail address as it is compared: trimmed, NFC, lower case. */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().normalize("NFC").toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized)) {
    throw new DomainError(
      UserErrorCode.INVALID_EMAIL,
      "Not an e-mail address",
      { status: 422 },
    );
  }
  return normalized;
}

/** The key subject of a user's personal data. */
export function userSubject(userId: string): string {
  return `user-${userId}`;
}

/** The blind index of an address: its uniqueness key and login lookup. */
export function emailIndex(
  services: Pick<UserServices, "keys">,
  email: string,
): Promise<string> {
  return services.keys.blindIndex("email", normalizeEmail(email));
}

export interface RegisterUserInput {
  id: string;
  email: string;
  password: string;
  role: UserRole;
  bedriftId: string | null;
  employeeId?: string | null;
  at: string;
}

/**
 * Creates a user: an e-mail address unique across TMS (reserved through the
 * unique-value actor under its blind index, so the address never appears in
 * clear as a key), a password the policy accepts, hashed with argon2id, and
 * both encrypted with the user's own key. Who may create whom: an ADMIN
 * anyone; anyone else only non-ADMIN users of their own bedrift (the actor's
 * tenancy check refuses another bedrift).
 */
export async function registerUser(
  system: ActorClient,
  services: UserServices,
  input: RegisterUserInput,
  options: AskOptions = {},
): Promise<AskResult<UserEvent, UserState>> {
  const { principal, signal, meta } = options;
  if (principal && principal.role !== UserRole.ADMIN) {
    if (input.role === UserRole.ADMIN) {
      throw new ForbiddenError(
        UserErrorCode.ROLE_NOT_ALLOWED,
        "Only an ADMIN creates ADMINs",
      );
    }
  }
  const email = normalizeEmail(input.email);
  services.checkPassword(input.password);
  if (input.bedriftId !== null) {
    const bedrift = await system.read(BEDRIFT, input.bedriftId, {
      signal,
      principal,
    });
    if (bedrift.version === 0) {
      throw new DomainError(
        UserErrorCode.UNKNOWN_BEDRIFT,
        "No bedrift with that id",
        { status: 422 },
      );
    }
  }
  const index = await services.keys.blindIndex("email", email);
  const subject = userSubject(input.id);
  const passwordHash = await services.keys.encrypt(
    subject,
    await services.passwords.hash(input.password),
  );
  const encryptedEmail = await services.keys.encrypt(subject, email);
  await reserveUnique(system, {
    kind: UniqueKinds.email,
    value: index,
    owner: { type: USER, id: input.id },
    at: input.at,
    taken: () =>
      new DomainError(
        UserErrorCode.EMAIL_TAKEN,
        "A user with that e-mail address exists",
      ),
    signal,
    meta,
  });
  try {
    return await system.ask<UserEvent, UserState>(USER, input.id, {
      type: "register",
      id: input.id,
      bedriftId: input.bedriftId,
      role: input.role,
      email: encryptedEmail,
      emailIndex: index,
      passwordHash,
      employeeId: input.employeeId ?? null,
      at: input.at,
    }, options);
  } catch (error) {
    if (
      !(error instanceof DomainError &&
        error.code === UserErrorCode.ALREADY_REGISTERED)
    ) {
      await releaseUnique(system, {
        kind: UniqueKinds.email,
        value: index,
        owner: input.id,
        at: input.at,
        meta,
      });
    }
    throw error;
  }
}
