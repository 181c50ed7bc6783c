/**
 * What the user flows need besides the actors: the personal-data key store,
 * a password hasher and the access-token service (runtime/auth provides
 * both), described by the methods the flows call.
 */
import type { KeyStore } from "../../runtime/storage/mod.ts";
import type { PasswordHasher } from "../../runtime/auth/mod.ts";

/** Signs access tokens and keyed hashes of refresh tokens. */
export interface AccessTokens {
  sign(
    claims: Record<string, unknown> & {
      sub: string;
      jti?: string;
      iat?: number;
    },
  ): Promise<{ token: string; expiresIn: number; jti: string; exp: number }>;
  /** HMAC-SHA-256 (base64url) under a secret shared by every node. */
  refreshMac(value: string): Promise<string>;
}

export interface UserServices {
  keys: KeyStore;
  passwords: PasswordHasher;
  tokens: AccessTokens;
  /** Throws `DomainError` (422) for a password the policy refuses. */
  checkPassword: (password: string) => void;
}
