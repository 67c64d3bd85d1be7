import pg from "pg";
import { databaseUrl } from "./database-url.js";

const MAX_IDENTIFIER_BYTES = 63;

/**
 * Creates database `name` on the server behind `adminUrl` unless it exists, and returns the URL
 * of that database (same credentials). Safe against a concurrent creation of the same name.
 */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  if (name === "" || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    // PostgreSQL would silently truncate it, and the returned URL would name another database.
    throw new Error(`database name must be 1-${MAX_IDENTIFIER_BYTES} bytes: ${JSON.stringify(name)}`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } catch (error) {
        // 42P04 duplicate_database; 23505 when a concurrent CREATE hits the catalog index first.
        const code = (error as { code?: string }).code;
        if (code !== "42P04" && code !== "23505") throw error;
      }
    }
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}
