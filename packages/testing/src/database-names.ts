import { createHash, randomBytes } from "node:crypto";

/** PostgreSQL truncates identifiers longer than this many bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Name of the template database for (run, key, fingerprint): readable key prefix plus a hash of
 * key and fingerprint, so any key/fingerprint length fits in 63 bytes.
 */
export function templateDatabaseName(runId: string, key: string, fingerprint: string): string {
  const hash = createHash("sha256").update(key).update("\0").update(fingerprint).digest("hex").slice(0, 10);
  const slug = key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const prefix = `${runId}_tpl_`;
  const room = MAX_IDENTIFIER_BYTES - prefix.length - hash.length - 1;
  return checked(`${prefix}${slug.slice(0, Math.max(0, room)).replace(/_+$/, "")}_${hash}`);
}

/** A fresh, unique name for one test file's database. */
export function testDatabaseName(runId: string): string {
  return checked(`${runId}_${randomBytes(6).toString("hex")}`);
}

function checked(name: string): string {
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new Error(`database name longer than ${MAX_IDENTIFIER_BYTES} bytes: ${name}`);
  }
  return name;
}
