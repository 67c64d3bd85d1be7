import { databaseUrl } from "@cosafe/embedded-db";
import type pg from "pg";
import { TEMPLATE_LOCK_CLASS } from "./advisory-locks.js";
import { dropDatabase } from "./drop-database.js";

/** Comment set on a template once prepare() succeeded; a template without it is half-built. */
const READY_MARK = "cosafe-test-template:ready";
const TERMINATE_TIMEOUT_MS = 5_000;

/**
 * Makes sure template database `name` exists and is fully prepared. Whoever takes the advisory
 * lock first creates an empty database and runs `prepare(url)` on it; everyone else waits for
 * the lock and reuses the result. A template left half-built (prepare threw, process died) is
 * dropped and rebuilt. Connections prepare() left open are terminated, since CREATE DATABASE …
 * TEMPLATE refuses to copy a database that has sessions.
 */
export async function ensureTemplateDatabase(
  client: pg.Client,
  adminUrl: string,
  name: string,
  prepare: (url: string) => Promise<void>,
): Promise<void> {
  await client.query("select pg_advisory_lock($1, hashtext($2))", [TEMPLATE_LOCK_CLASS, name]);
  try {
    const state = await templateState(client, name);
    if (state === "ready") return;
    if (state === "incomplete") await dropDatabase(client, name);

    const quoted = client.escapeIdentifier(name);
    await client.query(`CREATE DATABASE ${quoted} TEMPLATE template0`);
    try {
      await prepare(databaseUrl(adminUrl, name));
    } catch (error) {
      await dropDatabase(client, name).catch(() => {});
      throw error;
    }
    await client.query(
      "select pg_terminate_backend(pid, $2) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [name, TERMINATE_TIMEOUT_MS],
    );
    await client.query(`COMMENT ON DATABASE ${quoted} IS ${client.escapeLiteral(READY_MARK)}`);
  } finally {
    await client
      .query("select pg_advisory_unlock($1, hashtext($2))", [TEMPLATE_LOCK_CLASS, name])
      .catch(() => {});
  }
}

async function templateState(client: pg.Client, name: string): Promise<"missing" | "incomplete" | "ready"> {
  const { rows } = await client.query<{ mark: string | null }>(
    "select shobj_description(oid, 'pg_database') as mark from pg_database where datname = $1",
    [name],
  );
  if (rows.length === 0) return "missing";
  return rows[0]?.mark === READY_MARK ? "ready" : "incomplete";
}
