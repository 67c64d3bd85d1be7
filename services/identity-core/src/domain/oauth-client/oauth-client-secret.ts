import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Recognisable prefix of every OAuth client secret, so secret scanners can find leaked ones. */
export const oauthClientSecretPrefix = "cosafe_oauth_";

/** A new high-entropy client secret (256 bits) with its prefix. */
export function newOAuthClientSecret(): string {
  return `${oauthClientSecretPrefix}${randomBytes(32).toString("base64url")}`;
}

/** Client secrets are stored only as their SHA-256 hash, like SCIM tokens (R21). */
export function hashOAuthClientSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** Compares a presented secret with a stored hash in constant time. */
export function oauthClientSecretMatches(secret: string, storedHash: Uint8Array): boolean {
  const presented = hashOAuthClientSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/** What may be shown of a secret later: the prefix and four characters. */
export function oauthClientSecretHint(secret: string): string {
  return `${secret.slice(0, oauthClientSecretPrefix.length + 4)}…`;
}
