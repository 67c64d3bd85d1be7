import { createHash, randomBytes } from "node:crypto";

/** Recognisable prefix of every SCIM token, so secret scanners can find leaked ones (R21). */
export const scimTokenPrefix = "cosafe_scim_";

/** A new high-entropy secret (256 bits) with its prefix. */
export function newScimTokenSecret(): string {
  return `${scimTokenPrefix}${randomBytes(32).toString("base64url")}`;
}

/** Tokens are stored and looked up only by their SHA-256 hash. */
export function hashScimTokenSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** What may be shown of a secret later: the prefix and four characters. */
export function scimTokenHint(secret: string): string {
  return `${secret.slice(0, scimTokenPrefix.length + 4)}…`;
}
