import type { MikroORM } from "@mikro-orm/postgresql";

/** Deprovisionings the brake holds right now (status HELD), by kind, over every tenant. */
export async function heldDeprovisionCounts(orm: MikroORM): Promise<{ kind: string; held: number }[]> {
  const rows = (await orm.em
    .fork()
    .execute(
      `select kind, count(*)::int as held from identity.held_deprovision where status = 'HELD' group by kind`,
    )) as { kind: string; held: number }[];
  return rows;
}
