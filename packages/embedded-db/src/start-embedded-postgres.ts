import { access, readdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createDataDirParents } from "./data-dir.js";
import type { EmbeddedPostgres, EmbeddedPostgresOptions } from "./embedded-postgres.js";
import { EmbeddedPostgresServer } from "./embedded-postgres-library.js";
import { stopOnExit } from "./exit-cleanup.js";
import { stopLeftoverServer } from "./leftover-server.js";
import { createLogSink } from "./log-sink.js";
import { isRoot, lookupOsUser } from "./os-user.js";
import { postgresBinaryDir } from "./postgres-binaries.js";
import { readPostmasterPid } from "./postmaster-pid.js";
import { isProcessAlive } from "./process-state.js";
import { assertTraversable } from "./traversable-path.js";

const USER = "postgres";
const PASSWORD = "postgres";
const STOP_TIMEOUT_MS = 30_000;

/**
 * Starts PostgreSQL 15 (binaries from the `embedded-postgres` package) on 127.0.0.1:`port`.
 *
 * The data directory is initialised only when `dataDir/PG_VERSION` is missing. A server left
 * running by a process that was killed (kill -9) is shut down first, a stale postmaster.pid is
 * removed. As root, initdb/postgres run as the `postgres` OS user (created if missing), so the
 * data directory's parents and the binaries must be reachable by that user: missing parents are
 * created 0755, and an unreachable path is reported up front.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { port, persistent } = options;
  const dataDir = resolve(options.dataDir);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535 || port === 5432) {
    throw new Error(`invalid port ${port} for an embedded PostgreSQL server (5432 is reserved)`);
  }
  const logs = createLogSink(options.onLog);

  await createDataDirParents(dataDir);
  const root = isRoot();
  if (root) {
    const postgresUser = await lookupOsUser(USER);
    await assertTraversable(dirname(dataDir), postgresUser, "data directory");
    const binDir = postgresBinaryDir();
    if (binDir !== undefined) await assertTraversable(binDir, postgresUser, "PostgreSQL binary directory");
  }

  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent,
    // embedded-postgres' user creation runs groupadd/useradd, which only works (and is only
    // needed) as root: postgres refuses to run as root.
    createPostgresUser: root,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: serverSettings(persistent).flatMap((setting) => ["-c", setting]),
    onLog: logs.write,
    onError: logs.write,
  });

  if (await exists(join(dataDir, "PG_VERSION"))) {
    await stopLeftoverServer(dataDir, logs.write);
  } else {
    await assertNoForeignContent(dataDir);
    await server.initialise();
  }

  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with `undefined` when the server exits during startup.
    const reason = error instanceof Error ? `: ${error.message}` : "";
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data directory ${dataDir})${reason}\n${logs.recent()}`,
    );
  }
  const pid = await readPostmasterPid(dataDir);
  const untrack = pid ? stopOnExit(pid) : () => {};

  let stopping: Promise<void> | undefined;
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop() {
      stopping ??= stopServer(server, pid, dataDir, persistent).finally(untrack);
      return stopping;
    },
  };
}

/**
 * Settings passed on the postgres command line: TCP on 127.0.0.1 only, no Unix socket (the
 * default socket directory may not exist or be shared), and, for throw-away clusters, no fsync
 * (test databases are recreated from scratch anyway; makes CREATE DATABASE and commits cheap).
 */
function serverSettings(persistent: boolean): string[] {
  const settings = ["listen_addresses=127.0.0.1", "unix_socket_directories="];
  // A throw-away server serves test runs: several files at once, each with service replicas.
  if (!persistent)
    settings.push("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300");
  return settings;
}

async function stopServer(
  server: EmbeddedPostgresServer,
  pid: number | undefined,
  dataDir: string,
  persistent: boolean,
): Promise<void> {
  // embedded-postgres waits for its child's 'exit' event, which never comes again if the server
  // already died; only ask it to stop a live server, and bound the wait.
  if (pid !== undefined && isProcessAlive(pid)) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`embedded PostgreSQL (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS} ms`)),
        STOP_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([server.stop(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  if (!persistent) await rm(dataDir, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** initdb needs a missing or empty directory; say clearly what is in the way otherwise. */
async function assertNoForeignContent(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (entries.length > 0) {
    throw new Error(
      `${dataDir} has no PG_VERSION but is not empty (${entries.slice(0, 5).join(", ")}…); ` +
        "an interrupted initdb? Remove the directory to re-initialise it.",
    );
  }
}
