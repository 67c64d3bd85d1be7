import type { CallContext } from "@cosafe/rpc";
import type { GroupQueries } from "../domain/group/group-queries.js";
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
  const last = groups.at(-1);
  return {
    groups: groups.map((g) => ({ userId: g.userId, groupId: g.groupId, display: g.display })),
    nextPageToken: more && last ? encodeKeyset(last.userId, last.groupId) : "",
  };
}
