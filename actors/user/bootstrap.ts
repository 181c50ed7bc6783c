import type { ActorClient } from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import { registerUser } from "./register.ts";
import type { UserServices } from "./services.ts";
import { USER, UserErrorCode, UserRole } from "./types.ts";

/** The id of the first ADMIN: fixed, so nodes starting together create one. */
export const BOOTSTRAP_ADMIN_ID = "bootstrap-admin";

/** The address of the first ADMIN when `TMS_ADMIN_EMAIL` is not given. */
export const DEFAULT_ADMIN_EMAIL = "admin@tms.local";

export interface BootstrapInput {
  email?: string;
  /** Generated (and written to `passwordFile`) when not given. */
  password?: string;
  /** Where a generated password goes (mode 0600). */
  passwordFile: string;
  at: string;
}

/** What bootstrap did: nothing (users exist), or the admin it created. */
export type BootstrapResult =
  | { created: false }
  | { created: true; email: string; passwordFile: string | null };

function generatedPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_");
}

/**
 * Creates the first ADMIN on a node whose log has no users yet (the first
 * ADMIN is the root of every other account, so its existence is the test).
 * With a password given it uses it; else it generates one and writes it to
 * `passwordFile`, readable by the owner only.
 */
export async function bootstrapAdmin(
  system: ActorClient,
  services: UserServices,
  input: BootstrapInput,
): Promise<BootstrapResult> {
  const existing = await system.read(USER, BOOTSTRAP_ADMIN_ID);
  if (existing.version > 0) return { created: false };
  const email = input.email ?? DEFAULT_ADMIN_EMAIL;
  const password = input.password ?? generatedPassword();
  try {
    await registerUser(system, services, {
      id: BOOTSTRAP_ADMIN_ID,
      email,
      password,
      role: UserRole.ADMIN,
      bedriftId: null,
      at: input.at,
    });
  } catch (error) {
    // Another node starting at the same time was first.
    if (
      error instanceof DomainError &&
      error.code === UserErrorCode.ALREADY_REGISTERED
    ) {
      return { created: false };
    }
    throw error;
  }
  if (input.password !== undefined) {
    return { created: true, email, passwordFile: null };
  }
  const temp = `${input.passwordFile}.${crypto.randomUUID()}`;
  await Deno.writeTextFile(temp, `${password}\n`, { mode: 0o600 });
  await Deno.chmod(temp, 0o600);
  await Deno.rename(temp, input.passwordFile);
  return { created: true, email, passwordFile: input.passwordFile };
}
