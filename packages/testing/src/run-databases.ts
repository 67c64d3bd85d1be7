import type pg from "pg";
import { dropDatabase } from "./drop-database.js";
import { runIdOf, runStartedAt } from "./run-id.js";
import { isRunInProgress } from "./run-lock.js";

/** Drops every database whose name starts with `<runId>_` (test and template databases). */
export async function dropRunDatabases(client: pg.Client, runId: string): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>(
    "select datname from pg_database where starts_with(datname, $1)",
    [`${runId}_`],
  );
  for (const { datname } of rows) await dropDatabase(client, datname);
  return rows.map((row) => row.datname);
}

/**
 * Drops databases left behind by earlier runs that crashed before their teardown: their run
 * started more than `maxAgeMs` ago and no session holds that run's lock any more. Runs still in
 * progress (lock held, or younger than `maxAgeMs`) are left alone.
 */
export async function dropStaleRunDatabases(
  client: pg.Client,
  options: { currentRunId: string; maxAgeMs: number; now?: Date },
): Promise<string[]> {
  const cutoff = (options.now ?? new Date()).getTime() - options.maxAgeMs;
  const { rows } = await client.query<{ datname: string }>(
    "select datname from pg_database where starts_with(datname, 'cosafe_test_')",
  );
  const staleRuns = new Map<string, string[]>();
  for (const { datname } of rows) {
    const runId = runIdOf(datname);
    const startedAt = runStartedAt(datname);
    if (runId === undefined || startedAt === undefined || runId === options.currentRunId) continue;
    if (startedAt.getTime() > cutoff) continue;
    staleRuns.set(runId, [...(staleRuns.get(runId) ?? []), datname]);
  }
  const dropped: string[] = [];
  for (const [runId, names] of staleRuns) {
    if (await isRunInProgress(client, runId)) continue;
    for (const name of names) await dropDatabase(client, name);
    dropped.push(...names);
  }
  return dropped;
}
