/**
 * What the user flows need besides the actors: the personal-data key store,
 * a password hasher and the access-token service (runtime/auth provides
 * both), described by the methods the flows call.
 */
import type { KeyStore } from "../../runtime/storage/mod.ts";

/** Hashes and checks passwords (PHC strings). */
export interface PasswordHashing {
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
  /** True when `phc` was made with weaker parameters than the current ones. */
  needsRehash(phc: string): boolean;
  /** One verification against a dummy hash, so a miss costs what a hit does. */
  verifyDummy(password: string): Promise<void>;
}

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
  passwords: PasswordHashing;
  tokens: AccessTokens;
  /** Throws `DomainError` (422) for a password the policy refuses. */
  checkPassword: (password: string) => void;
}
