import { invalidArgument } from "./domain-error.js";

/** Offset paging that serves SCIM startIndex/count and AIP-158 page tokens (docs/adr/0003-pagination.md). */
export interface PageRequest {
  offset: number;
  /** 0 asks for the total only. */
  limit: number;
}

export interface PageInput {
  pageSize: number;
  pageToken: string;
  skip: number;
}

/** Reads page_size/page_token/skip; the token, when present, wins over skip. */
export function pageRequest(input: PageInput, options: { max: number; defaultSize?: number }): PageRequest {
  if (input.pageSize < 0 || input.skip < 0)
    throw invalidArgument("PAGE_INVALID", "page_size and skip must not be negative");
  const limit = Math.min(
    input.pageSize === 0 && options.defaultSize ? options.defaultSize : input.pageSize,
    options.max,
  );
  return { offset: input.pageToken ? decodePageToken(input.pageToken) : input.skip, limit };
}

/** The token of the page after this one, or "" when there is none. */
export function nextPageToken(page: PageRequest, returned: number, total: number): string {
  const next = page.offset + returned;
  return page.limit > 0 && returned > 0 && next < total ? encodePageToken(next) : "";
}

function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodePageToken(token: string): number {
  try {
    const { o } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw invalidArgument("PAGE_TOKEN_INVALID", "page_token is not one this service issued");
}
