import { isUuid } from "@cosafe/storage";
import { invalidArgument } from "./domain-error.js";

/**
 * Cursor pagination (SCIM, RFC 9865): a list walks by id after the last one returned — a
 * keyset, so page 1,000 costs what page 1 costs, and rows added or removed meanwhile never
 * shift the pages. The cursor is opaque to clients.
 */
export interface CursorRequest {
  /** The id after which the page starts; absent for the first page. */
  after?: string | undefined;
  limit: number;
}

export function cursorRequest(
  cursor: string,
  options: { pageSize: number; max: number; sorted: boolean; skip: number },
): CursorRequest {
  if (options.sorted || options.skip > 0)
    throw invalidArgument(
      "CURSOR_WITH_SORT",
      "cursor pagination lists in its own order: send no sorting or skip",
    );
  if (options.pageSize < 0) throw invalidArgument("PAGE_INVALID", "page_size must not be negative");
  return { after: cursor ? decodeCursor(cursor) : undefined, limit: Math.min(options.pageSize, options.max) };
}

export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ a: id })).toString("base64url");
}

function decodeCursor(cursor: string): string {
  try {
    const { a } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { a?: unknown };
    if (typeof a === "string" && isUuid(a)) return a;
  } catch {
    // fall through
  }
  throw invalidArgument("CURSOR_INVALID", "cursor is not one this service issued");
}
