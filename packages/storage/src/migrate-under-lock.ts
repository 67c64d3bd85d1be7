import { createHash } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";

/** A stable 64-bit advisory lock key per schema, so each service's migrations serialise on their own. */
function lockKey(schema: string): string {
  return BigInt.asIntN(
    64,
    BigInt(`0x${createHash("sha256").update(`migrate:${schema}`).digest("hex").slice(0, 16)}`),
  ).toString();
}

/**
 * Applies pending migrations of one service's schema while holding a PostgreSQL advisory
 * lock on a dedicated connection: several replicas starting together apply each
 * migration exactly once, the others wait and then find nothing to do.
 */
export async function migrateUnderLock(
  orm: MikroORM,
  databaseUrl: string,
  schema: string,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [lockKey(schema)]);
    await client.query(`create schema if not exists "${schema.replaceAll('"', '""')}"`);
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  } finally {
    await client.query("select pg_advisory_unlock_all()").catch(() => undefined);
    await client.end();
  }
}
