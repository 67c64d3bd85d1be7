import type { MikroORM } from "@mikro-orm/postgresql";

export interface LicenseUsage {
  tenantId: string;
  seatLimit: number;
  seatsInUse: number;
}

/** The licences using the most seats first, at most `limit` of them (for the seat gauges). */
export async function busiestLicenses(orm: MikroORM, limit: number): Promise<LicenseUsage[]> {
  const rows = (await orm.em.fork().execute(
    `select tenant_id::text, seat_limit, seats_in_use from licensing.license
      order by seats_in_use desc, tenant_id limit ?`,
    [limit],
  )) as { tenant_id: string; seat_limit: number; seats_in_use: number }[];
  return rows.map((r) => ({ tenantId: r.tenant_id, seatLimit: r.seat_limit, seatsInUse: r.seats_in_use }));
}

/** Every licence together: how many, seats used and seats licensed. */
export async function licenseTotals(orm: MikroORM) {
  const [row] = (await orm.em.fork().execute(
    `select count(*)::int as tenants, coalesce(sum(seats_in_use), 0)::bigint::text as used,
            coalesce(sum(seat_limit), 0)::bigint::text as licensed from licensing.license`,
  )) as { tenants: number; used: string; licensed: string }[];
  return { tenants: row?.tenants ?? 0, used: Number(row?.used ?? 0), licensed: Number(row?.licensed ?? 0) };
}
