import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { selectGroupsOfUsers } from "../../storage/membership-read-sql.js";
import { nilUuid } from "./member-page.js";

/** One group of a user, for SCIM's User.groups. */
export interface UserGroupView {
  userId: string;
  groupId: string;
  display: string;
}

/** Where a page of users' groups starts: after this (user, group) pair. */
export interface UserGroupKey {
  userId: string;
  groupId: string;
}

/**
 * The groups of several users of a tenant as the caller sees those memberships (R10), in
 * (user_id, group_id) order after `after`, at most `limit`, plus whether more follow. One bound
 * statement on group_membership_user_group_idx (migration 0009): a page costs its own size,
 * never a group's (R25).
 */
export async function groupsOfUsers(
  orm: MikroORM,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
  query: { limit: number; after?: UserGroupKey | undefined },
): Promise<{ groups: UserGroupView[]; more: boolean }> {
  if (userIds.length === 0 || query.limit === 0) return { groups: [], more: false };
  const rows = await selectGroupsOfUsers(orm, {
    tenantId,
    userIds,
    scimView: call.actor.role === Role.SCIM,
    after: query.after ?? { userId: nilUuid, groupId: nilUuid },
    fetch: query.limit + 1,
  });
  return {
    groups: rows
      .slice(0, query.limit)
      .map((r) => ({ userId: r.user_id, groupId: r.group_id, display: r.display_name })),
    more: rows.length > query.limit,
  };
}
