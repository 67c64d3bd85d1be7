import type { EntityManager } from "@mikro-orm/postgresql";

/** The members SCIM sees (R10): SCIM-sourced memberships plus any membership of a SCIM user. */
export async function scimVisibleMembers(em: EntityManager, groupId: string): Promise<string[]> {
  const rows = (await em.execute(
    `select m.user_id from identity.group_membership m join identity.app_user u on u.id = m.user_id
      where m.group_id = ? and (m.source = 'SCIM' or u.managed_by = 'SCIM')`,
    [groupId],
  )) as { user_id: string }[];
  return rows.map((r) => r.user_id);
}
