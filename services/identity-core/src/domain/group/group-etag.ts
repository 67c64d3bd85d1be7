import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";

/**
 * A group's version for ETags (SCIM meta.version). Membership changes must not rewrite or
 * lock the group row (R25: a per-change write to one hot row caps throughput and serialises
 * parallel PATCHes), so the version combines the row's own version with the group's
 * membership version: the sum of its per-session change counters, which every committed
 * membership change advances (recordChanges). Reading it costs a few rows per group, never
 * the group's members or history.
 */
async function groupEtags(
  em: EntityManager,
  groups: readonly { id: string; version: number }[],
): Promise<Map<string, string>> {
  const etags = new Map(groups.map((g) => [g.id, groupEtagOf(g.version, "0")]));
  if (groups.length === 0) return etags;
  const rows = (await em.execute(
    `select group_id, sum(changes)::text as changes from identity.group_membership_version
      where group_id = any(?::uuid[]) group by group_id`,
    [pgArray(groups.map((g) => g.id))],
  )) as { group_id: string; changes: string }[];
  const versions = new Map(groups.map((g) => [g.id, g.version]));
  for (const row of rows) etags.set(row.group_id, groupEtagOf(versions.get(row.group_id) ?? 0, row.changes));
  return etags;
}

/** The ETag of a group row's version and its membership version (the sum of its counters, as text). */
export function groupEtagOf(version: number, membershipChanges: string): string {
  return `${version}.${membershipChanges}`;
}

export async function groupEtag(em: EntityManager, group: { id: string; version: number }): Promise<string> {
  return (await groupEtags(em, [group])).get(group.id) ?? groupEtagOf(group.version, "0");
}
