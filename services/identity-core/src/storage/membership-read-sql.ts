import type { MikroORM } from "@mikro-orm/postgresql";
import { boundRows } from "./bound-sql.js";
import { visibleMembershipSql } from "./query/membership-visibility.js";
import { pgArray } from "./sql/pg-array.js";

/**
 * Keyset-paged reads of memberships across several groups or users (issue 11): one bound
 * statement each, on an index that starts with the key, so a page costs its own size whatever
 * the groups' sizes (R25).
 */

export interface GroupMemberRow {
  group_id: string;
  user_id: string;
  display_name: string;
  source: "SCIM" | "MANUAL";
  state: "ACTIVE" | "DORMANT";
}

/** Up to `fetch` visible (R10) active memberships of the groups, in (group_id, user_id) order after `after`. */
export function selectMembersOfGroups(
  orm: MikroORM,
  query: {
    tenantId: string;
    groupIds: readonly string[];
    scimView: boolean;
    after: { groupId: string; userId: string };
    fetch: number;
  },
): Promise<GroupMemberRow[]> {
  const visible = visibleMembershipSql({ scimView: query.scimView, includeDormant: false });
  return boundRows<GroupMemberRow>(
    orm,
    `select m.group_id, m.user_id, u.display_name, m.source, m.state
       from identity.group_membership m join identity.app_user u on u.id = m.user_id
      where m.tenant_id = ?::uuid and m.group_id = any(?::uuid[]) and ${visible}
        and (m.group_id, m.user_id) > (?::uuid, ?::uuid)
      order by m.group_id, m.user_id limit ?`,
    [query.tenantId, pgArray(query.groupIds), query.after.groupId, query.after.userId, query.fetch],
  );
}

export interface UserGroupRow {
  user_id: string;
  group_id: string;
  display_name: string;
}

/**
 * Up to `fetch` live groups of the users through memberships the caller sees (R10), in
 * (user_id, group_id) order after `after`, on group_membership_user_group_idx (migration 0009).
 */
export function selectGroupsOfUsers(
  orm: MikroORM,
  query: {
    tenantId: string;
    userIds: readonly string[];
    scimView: boolean;
    after: { userId: string; groupId: string };
    fetch: number;
  },
): Promise<UserGroupRow[]> {
  const visible = visibleMembershipSql({ scimView: query.scimView, includeDormant: false });
  return boundRows<UserGroupRow>(
    orm,
    `select m.user_id, m.group_id, g.display_name
       from identity.group_membership m
       join identity.app_user u on u.id = m.user_id
       join identity.app_group g on g.id = m.group_id
      where m.tenant_id = ?::uuid and m.user_id = any(?::uuid[]) and ${visible}
        and g.deleted_at is null and (m.user_id, m.group_id) > (?::uuid, ?::uuid)
      order by m.user_id, m.group_id limit ?`,
    [query.tenantId, pgArray(query.userIds), query.after.userId, query.after.groupId, query.fetch],
  );
}
