import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";
import { visibleMembershipSql } from "./member-page.js";

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

const nil = "00000000-0000-0000-0000-000000000000";

/**
 * The groups of several users of a tenant as the caller sees those memberships (R10), in
 * (user_id, group_id) order after `after`, at most `limit`, plus whether more follow. One
 * statement on group_membership_user_group_idx (migration 0009): a page costs its own size,
 * never a group's (R25).
 */
export async function groupsOfUsers(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
  query: { limit: number; after?: UserGroupKey | undefined },
): Promise<{ groups: UserGroupView[]; more: boolean }> {
  if (userIds.length === 0 || query.limit === 0) return { groups: [], more: false };
  const after = query.after ?? { userId: nil, groupId: nil };
  const rows = (await em.execute(
    `select m.user_id, m.group_id, g.display_name
       from identity.group_membership m
       join identity.app_user u on u.id = m.user_id
       join identity.app_group g on g.id = m.group_id
      where m.tenant_id = ? and m.user_id = any(?::uuid[]) and ${visibleMembershipSql(call, false)}
        and g.deleted_at is null and (m.user_id, m.group_id) > (?::uuid, ?::uuid)
      order by m.user_id, m.group_id limit ?`,
    [tenantId, pgArray(userIds), after.userId, after.groupId, query.limit + 1],
  )) as { user_id: string; group_id: string; display_name: string }[];
  return {
    groups: rows
      .slice(0, query.limit)
      .map((r) => ({ userId: r.user_id, groupId: r.group_id, display: r.display_name })),
    more: rows.length > query.limit,
  };
}
