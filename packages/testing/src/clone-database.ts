import type pg from "pg";

const ATTEMPTS = 5;
const RETRY_DELAY_MS = 200;

/**
 * CREATE DATABASE `name` TEMPLATE `template`. Retried briefly on 55006 ("source database is
 * being accessed by other users"), e.g. an autovacuum worker that just connected to the template.
 */
export async function cloneDatabase(client: pg.Client, template: string, name: string): Promise<void> {
  const sql = `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(sql);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "55006" || attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
    }
  }
}
