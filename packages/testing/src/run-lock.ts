import type pg from "pg";
import { connectAdmin } from "./admin-client.js";
import { RUN_LOCK_CLASS } from "./advisory-locks.js";

export type RunLock = { release(): Promise<void> };

/**
 * Marks run `runId` as in progress for as long as the returned lock is held: a session-level
 * advisory lock on its own connection. If the process dies the connection goes, and the lock
 * with it, so a crashed run is never mistaken for a live one.
 */
export async function holdRunLock(adminUrl: string, runId: string): Promise<RunLock> {
  const client = await connectAdmin(adminUrl);
  try {
    await client.query("select pg_advisory_lock($1, hashtext($2))", [RUN_LOCK_CLASS, runId]);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return { release: () => client.end().catch(() => {}) };
}

/** True while some session holds the run lock of `runId`. */
export async function isRunInProgress(client: pg.Client, runId: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>(
    "select pg_try_advisory_lock($1, hashtext($2)) as locked",
    [RUN_LOCK_CLASS, runId],
  );
  if (rows[0]?.locked !== true) return true;
  await client.query("select pg_advisory_unlock($1, hashtext($2))", [RUN_LOCK_CLASS, runId]);
  return false;
}
