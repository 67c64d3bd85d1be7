import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { selectMembersOfGroups } from "../../storage/membership-read-sql.js";
import { visibleMembershipSql as visibleMembership } from "../../storage/query/membership-visibility.js";
import type { PageRequest } from "../page.js";

export interface MemberView {
  userId: string;
  display: string;
  source: "SCIM" | "MANUAL";
  state: "ACTIVE" | "DORMANT";
}

/**
 * One page of a group's members in user id order, with the total. SCIM sees what R10 says,
 * dormant rows included (R4); administrators see every active membership, dormant ones on
 * request. Two statements whatever the group's size: a count and one page (R25).
 */
export async function memberPage(
  em: EntityManager,
  call: CallContext,
  groupId: string,
  query: { page: PageRequest; includeDormant: boolean },
): Promise<{ members: MemberView[]; total: number }> {
  const visible = visibleMembershipSql(call, query.includeDormant);
  const from = `from identity.group_membership m join identity.app_user u on u.id = m.user_id where m.group_id = ? and ${visible}`;
  const [{ total }] = (await em.execute(`select count(*)::int as total ${from}`, [groupId])) as [
    { total: number },
  ];
  if (query.page.limit === 0 || total <= query.page.offset) return { members: [], total };
  const rows = (await em.execute(
    `select m.user_id, u.display_name, m.source, m.state ${from} order by m.user_id limit ? offset ?`,
    [groupId, query.page.limit, query.page.offset],
  )) as { user_id: string; display_name: string; source: "SCIM" | "MANUAL"; state: "ACTIVE" | "DORMANT" }[];
  return {
    members: rows.map((r) => ({
      userId: r.user_id,
      display: r.display_name,
      source: r.source,
      state: r.state,
    })),
    total,
  };
}

/** The memberships a caller sees, as SQL over `m` (membership) joined with `u` (its user). */
export function visibleMembershipSql(call: CallContext, includeDormant: boolean): string {
  return visibleMembership({ scimView: call.actor.role === Role.SCIM, includeDormant });
}

/** Where a page of several groups' members starts: after this (group, user) pair. */
export interface MemberKey {
  groupId: string;
  userId: string;
}

/**
 * Members of several groups of a tenant, in (group_id, user_id) order after `after`, at most
 * `limit`, plus whether more follow. One bound statement on the membership primary key: a page
 * costs its own size, whatever the groups' sizes (R25).
 */
export async function membersOfGroups(
  orm: MikroORM,
  call: CallContext,
  tenantId: string,
  groupIds: readonly string[],
  query: { limit: number; after?: MemberKey | undefined },
): Promise<{ members: (MemberView & { groupId: string })[]; more: boolean }> {
  if (groupIds.length === 0 || query.limit === 0) return { members: [], more: false };
  const rows = await selectMembersOfGroups(orm, {
    tenantId,
    groupIds,
    scimView: call.actor.role === Role.SCIM,
    after: query.after ?? { groupId: nilUuid, userId: nilUuid },
    fetch: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  return {
    members: page.map((r) => ({
      groupId: r.group_id,
      userId: r.user_id,
      display: r.display_name,
      source: r.source,
      state: r.state,
    })),
    more: rows.length > query.limit,
  };
}

/** The key before every key: where a keyset page with no token starts. */
export const nilUuid = "00000000-0000-0000-0000-000000000000";
