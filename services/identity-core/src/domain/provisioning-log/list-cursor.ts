import { isUuid } from "@cosafe/storage";
import { invalidArgument } from "../domain-error.js";

/** Where the next page of a newest-first listing starts: strictly older than (time, id). */
export interface ListCursor {
  /** Microseconds since the epoch, as PostgreSQL stores the time. */
  timeUs: string;
  id: string;
}

/**
 * Page tokens of the provisioning log are keyset positions, not offsets: the log grows at
 * its head while someone pages through it, and an offset would repeat entries
 * (docs/adr/0003-pagination.md lets a token's content differ per RPC; it stays opaque).
 */
export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.timeUs, i: cursor.id })).toString("base64url");
}

export function decodeCursor(token: string): ListCursor | undefined {
  if (!token) return undefined;
  try {
    const { t, i } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      t?: unknown;
      i?: unknown;
    };
    if (typeof t === "string" && /^-?\d{1,19}$/.test(t) && typeof i === "string" && isUuid(i))
      return { timeUs: t, id: i };
  } catch {
    // fall through
  }
  throw invalidArgument("PAGE_TOKEN_INVALID", "page_token is not one this service issued");
}
