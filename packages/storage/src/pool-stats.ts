import type { MikroORM } from "@mikro-orm/postgresql";

/** The tarn pool knex keeps under MikroORM's connection (the parts we read). */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

/** How the service's PostgreSQL pool is used right now; undefined before it exists. */
export function poolStats(orm: MikroORM) {
  return () => {
    const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
    if (!pool) return undefined;
    return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires(), max: pool.max };
  };
}
