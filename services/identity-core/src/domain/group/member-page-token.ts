import { invalidArgument } from "../domain-error.js";

/**
 * Where a page of one group's members starts. Pages of ListGroupMembers and GetGroup continue
 * after the last user id they showed (keyset: a page costs its own size, R25). Their tokens
 * carry the offset too, so that a replica of the release before keysets, which reads only the
 * offset, continues the same walk during a rolling update or a rollback; ModifyGroup's tokens
 * and those older ones count an offset only. Every member page is in user id order, so both
 * forms name the same place while the group is unchanged.
 */
export interface MemberPageStart {
  offset: number;
  afterUserId?: string | undefined;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The token of the page after one that started at `start` and showed `shown`, or "" when none follows. */
export function memberPageTokenAfter(
  start: MemberPageStart,
  shown: readonly { userId: string }[],
  more: boolean,
): string {
  const last = shown.at(-1);
  if (!more || last === undefined) return "";
  return Buffer.from(JSON.stringify({ o: start.offset + shown.length, u: last.userId })).toString(
    "base64url",
  );
}

/** Reads a member page token (keyset with its offset, or an offset); no token starts at the first member. */
export function memberPageStart(token: string): MemberPageStart {
  if (token === "") return { offset: 0 };
  try {
    const { u, o } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      u?: unknown;
      o?: unknown;
    };
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) {
      if (u === undefined) return { offset: o };
      if (typeof u === "string" && uuid.test(u)) return { offset: o, afterUserId: u };
    }
  } catch {
    // fall through
  }
  throw invalidArgument("PAGE_TOKEN_INVALID", "page_token is not one this service issued");
}
