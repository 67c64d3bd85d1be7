import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";

/**
 * A group's version for ETags (SCIM meta.version). Membership changes must not rewrite or
 * lock the group row (R25: a per-change write to one hot row caps throughput and serialises
 * parallel PATCHes), so the version combines the row's own version with the group's
 * membership events in the change feed: their count grows with every committed change.
 */
export async function groupEtags(
  em: EntityManager,
  groups: readonly { id: string; version: number }[],
): Promise<Map<string, string>> {
  const etags = new Map(groups.map((g) => [g.id, `${g.version}.0`]));
  if (groups.length === 0) return etags;
  const rows = (await em.execute(
    `select group_id, count(*)::int as changes, max(id)::text as last
       from identity.change_event where group_id = any(?::uuid[]) and type = 'MEMBERSHIP_CHANGED'
      group by group_id`,
    [pgArray(groups.map((g) => g.id))],
  )) as { group_id: string; changes: number; last: string }[];
  const versions = new Map(groups.map((g) => [g.id, g.version]));
  for (const row of rows) etags.set(row.group_id, `${versions.get(row.group_id)}.${row.changes}.${row.last}`);
  return etags;
}

export async function groupEtag(em: EntityManager, group: { id: string; version: number }): Promise<string> {
  return (await groupEtags(em, [group])).get(group.id) ?? `${group.version}.0`;
}
