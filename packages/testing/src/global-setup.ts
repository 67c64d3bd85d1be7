import type { TestProject } from "vitest/node";
import { withAdminClient } from "./admin-client.js";
import { type EmbeddedTestServer, startEmbeddedTestServer } from "./embedded-test-server.js";
import { ADMIN_URL_ENV, ADMIN_URL_KEY, RUN_ID_ENV, RUN_ID_KEY } from "./provided-context.js";
import { dropRunDatabases, dropStaleRunDatabases } from "./run-databases.js";
import { createRunId } from "./run-id.js";
import { holdRunLock, type RunLock } from "./run-lock.js";
import { removeStaleEmbeddedServers } from "./stale-embedded-servers.js";

const STALE_RUN_AGE_MS = 60 * 60 * 1000;

/**
 * vitest globalSetup (root config, so it runs once for all projects, in the main process).
 *
 * Server: DATABASE_URL when set (used as the admin connection), otherwise an embedded
 * PostgreSQL 15 in a temp dir on a free port, stopped and deleted at teardown.
 *
 * Run context reaches every worker of every project two ways: process.env (vitest builds each
 * worker's environment from process.env after global setups ran, and processes spawned by tests
 * inherit it) and `project.provide` on the root project, whose values vitest merges into every
 * project's `inject()`.
 *
 * Teardown drops every database of this run (names start with the run id) and those of crashed
 * runs older than an hour whose run lock nobody holds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = createRunId();
  const previousEnv = { adminUrl: process.env[ADMIN_URL_ENV], runId: process.env[RUN_ID_ENV] };
  let embedded: EmbeddedTestServer | undefined;
  let runLock: RunLock | undefined;
  let adminUrl = process.env.DATABASE_URL;
  try {
    if (adminUrl === undefined || adminUrl === "") {
      await removeStaleEmbeddedServers();
      embedded = await startEmbeddedTestServer();
      adminUrl = embedded.server.adminUrl;
    }
    runLock = await holdRunLock(adminUrl, runId).catch((error: unknown) => {
      throw new Error(`cannot connect to the test PostgreSQL server (${redact(adminUrl ?? "")})`, {
        cause: error,
      });
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }

  process.env[ADMIN_URL_ENV] = adminUrl;
  process.env[RUN_ID_ENV] = runId;
  project.provide(ADMIN_URL_KEY, adminUrl);
  project.provide(RUN_ID_KEY, runId);

  const url = adminUrl;
  const lock = runLock;
  return async () => {
    try {
      if (embedded === undefined) {
        await withAdminClient(url, async (client) => {
          await dropRunDatabases(client, runId);
          await dropStaleRunDatabases(client, { currentRunId: runId, maxAgeMs: STALE_RUN_AGE_MS });
        });
      }
    } finally {
      await lock.release();
      await embedded?.stop();
      restoreEnv(ADMIN_URL_ENV, previousEnv.adminUrl);
      restoreEnv(RUN_ID_ENV, previousEnv.runId);
    }
  };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparsable DATABASE_URL>";
  }
}
