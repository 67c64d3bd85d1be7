import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
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
  const visible =
    call.actor.role === Role.SCIM
      ? "(m.source = 'SCIM' or u.managed_by = 'SCIM')"
      : query.includeDormant
        ? "true"
        : "m.state = 'ACTIVE'";
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
