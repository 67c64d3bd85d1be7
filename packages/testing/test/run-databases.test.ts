import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { testAdminUrl } from "../src/index.js";
import { dropRunDatabases, dropStaleRunDatabases } from "../src/run-databases.js";
import { createRunId } from "../src/run-id.js";
import { holdRunLock, type RunLock } from "../src/run-lock.js";

const HOUR = 60 * 60 * 1000;
const deadOldRun = createRunId(new Date(Date.now() - 2 * HOUR));
const liveOldRun = createRunId(new Date(Date.now() - 3 * HOUR));
const recentRun = createRunId(new Date(Date.now() - 5 * 60 * 1000));
// Stands in for "this run" (old timestamp, lock not held here): must survive regardless.
const currentRun = createRunId(new Date(Date.now() - 4 * HOUR));
const names = {
  deadOld: [`${deadOldRun}_0123456789ab`, `${deadOldRun}_tpl_x_0123456789`],
  liveOld: [`${liveOldRun}_0123456789ab`],
  recent: [`${recentRun}_0123456789ab`],
  current: [`${currentRun}_0123456789ab`],
};

let admin: pg.Client;
let liveRunLock: RunLock;

async function existing(): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname = any($1) order by datname",
    [Object.values(names).flat()],
  );
  return rows.map((row) => row.datname);
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: testAdminUrl() });
  await admin.connect();
  for (const name of Object.values(names).flat()) await admin.query(`CREATE DATABASE "${name}"`);
  // Another run, started long ago but still going: it holds its run lock.
  liveRunLock = await holdRunLock(testAdminUrl(), liveOldRun);
});

afterAll(async () => {
  await liveRunLock.release();
  for (const run of [deadOldRun, liveOldRun, recentRun, currentRun]) await dropRunDatabases(admin, run);
  await admin.end();
});

it("drops only databases of crashed runs older than the cut-off, never the current run's", async () => {
  const dropped = await dropStaleRunDatabases(admin, { currentRunId: currentRun, maxAgeMs: HOUR });
  expect(dropped).toEqual(expect.arrayContaining(names.deadOld));
  expect(await existing()).toEqual([...names.liveOld, ...names.recent, ...names.current].sort());
});
