import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { selectMemberPage } from "../../storage/group-read-sql.js";
import { selectMembersOfGroups } from "../../storage/membership-read-sql.js";

export interface MemberView {
  userId: string;
  display: string;
  source: "SCIM" | "MANUAL";
  state: "ACTIVE" | "DORMANT";
}

/**
 * The first `limit` members of a group in user id order, with the total, in the caller's
 * transaction (ModifyGroup's answer). SCIM sees what R10 says, dormant rows included (R4);
 * administrators see every active membership, dormant ones on request. One statement
 * whatever the group's size (R25).
 */
export async function memberPage(
  em: EntityManager,
  call: CallContext,
  group: { id: string; tenantId: string },
  query: { limit: number; includeDormant: boolean },
): Promise<{ members: MemberView[]; total: number }> {
  const page = await selectMemberPage(em, {
    tenantId: group.tenantId,
    groupId: group.id,
    scimView: call.actor.role === Role.SCIM,
    includeDormant: query.includeDormant,
    limit: query.limit,
    start: { offset: 0 },
    countTotal: true,
  });
  return { members: page.members, total: page.total ?? 0 };
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
