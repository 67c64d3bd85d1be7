import type pg from "pg";

/** DROP DATABASE IF EXISTS … WITH (FORCE): open connections to it are terminated first. */
export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
}
