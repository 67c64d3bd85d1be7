import type { CallContext } from "@cosafe/rpc";
import type { GroupQueries } from "../domain/group/group-queries.js";
import type { UserGroupView } from "../domain/group/user-groups.js";
import type { UserGroupsRead } from "../domain/user/user-queries.js";
import { decodeKeyset, encodeKeyset, keysetPageLimit } from "./keyset-token.js";

/**
 * One page of the groups of several users, as ListGroupsOfUsers answers it and as user reads
 * with `include_groups` carry their first page (SCIM User.groups without a second call).
 */
export async function userGroupsPage(
  groupQueries: GroupQueries,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
  page: { pageSize: number; pageToken: string } = { pageSize: 0, pageToken: "" },
) {
  const after = page.pageToken ? decodeKeyset(page.pageToken) : undefined;
  const { groups, more } = await groupQueries.groupsOfUsers(call, tenantId, userIds, {
    limit: keysetPageLimit(page.pageSize),
    after: after && { userId: after[0], groupId: after[1] },
  });
  const answer = groupsAnswer({ groups, more });
  return { groups: answer.groups, nextPageToken: answer.groupsNextPageToken };
}

/** How many groups a user read with `include_groups` carries before ListGroupsOfUsers takes over. */
export const firstGroupsPage = keysetPageLimit(0);

/**
 * A page of users' groups as a read answers it (`groups` and the keyset token of the next
 * page): ListGroupsOfUsers' pages and the first page user reads carry (UserQueries, one statement).
 */
export function groupsAnswer(read: UserGroupsRead | undefined): {
  groups: UserGroupView[];
  groupsNextPageToken: string;
} {
  if (!read) return { groups: [], groupsNextPageToken: "" };
  const last = read.groups.at(-1);
  return {
    groups: read.groups,
    groupsNextPageToken: read.more && last ? encodeKeyset(last.userId, last.groupId) : "",
  };
}
