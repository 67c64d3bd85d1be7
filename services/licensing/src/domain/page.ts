import { licenseErrors } from "./license-errors.js";

/** Offset paging with opaque AIP-158 page tokens (docs/adr/0003-pagination.md). */
export interface PageRequest {
  offset: number;
  limit: number;
}

/** Reads page_size/page_token: 0 means `defaultSize`, larger sizes are capped at `max`. */
export function pageRequest(
  input: { pageSize: number; pageToken: string },
  options: { defaultSize: number; max: number },
): PageRequest {
  if (input.pageSize < 0) throw licenseErrors.invalidPage();
  const limit = Math.min(input.pageSize === 0 ? options.defaultSize : input.pageSize, options.max);
  return { offset: input.pageToken ? decodePageToken(input.pageToken) : 0, limit };
}

/** The token of the page after this one, or "" when there is none. */
export function nextPageToken(page: PageRequest, returned: number, total: number): string {
  const next = page.offset + returned;
  return returned > 0 && next < total ? Buffer.from(JSON.stringify({ o: next })).toString("base64url") : "";
}

function decodePageToken(token: string): number {
  try {
    const { o } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw licenseErrors.invalidPageToken();
}
