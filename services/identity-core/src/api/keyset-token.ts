import { isUuid } from "@cosafe/storage";
import { invalidArgument } from "../domain/domain-error.js";

/** The keyset tokens of ListMembersOfGroups and ListGroupsOfUsers: the last id pair of a page. */
export function encodeKeyset(first: string, second: string): string {
  return Buffer.from(JSON.stringify({ g: first, u: second })).toString("base64url");
}

export function decodeKeyset(token: string): [string, string] {
  try {
    const { g, u } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      g?: unknown;
      u?: unknown;
    };
    if (typeof g === "string" && typeof u === "string" && isUuid(g) && isUuid(u)) return [g, u];
  } catch {
    // fall through
  }
  throw invalidArgument("PAGE_TOKEN_INVALID", "page_token is not one this service issued");
}

/** A keyset page's size: 0 means the cap of 10000, and more is capped. */
export const keysetPageLimit = (pageSize: number) => (pageSize <= 0 ? 10_000 : Math.min(pageSize, 10_000));
