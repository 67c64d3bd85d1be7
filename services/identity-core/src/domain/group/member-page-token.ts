import { invalidArgument } from "../domain-error.js";

/**
 * Where a page of one group's members starts. Pages of ListGroupMembers and GetGroup continue
 * after the last user id they showed (keyset: a page costs its own size, R25); ModifyGroup's
 * token and tokens issued before keysets count an offset, and both stay valid: every member
 * page is in user id order.
 */
export type MemberPageStart = { offset: number } | { afterUserId: string };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The token of the page after the one that ended at `lastUserId`, or "" when none follows. */
export function memberPageTokenAfter(lastUserId: string | undefined, more: boolean): string {
  if (!more || lastUserId === undefined) return "";
  return Buffer.from(JSON.stringify({ u: lastUserId })).toString("base64url");
}

/** Reads a member page token (keyset or offset); no token starts at the first member. */
export function memberPageStart(token: string): MemberPageStart {
  if (token === "") return { offset: 0 };
  try {
    const { u, o } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      u?: unknown;
      o?: unknown;
    };
    if (typeof u === "string" && uuid.test(u)) return { afterUserId: u };
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return { offset: o };
  } catch {
    // fall through
  }
  throw invalidArgument("PAGE_TOKEN_INVALID", "page_token is not one this service issued");
}
