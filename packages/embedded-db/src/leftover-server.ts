import { rm } from "node:fs/promises";
import { join } from "node:path";
import { readPostmasterPid } from "./postmaster-pid.js";
import { commandLine, isProcessAlive, parentPid } from "./process-state.js";

const SHUTDOWN_TIMEOUT_MS = 30_000;
const IMMEDIATE_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Makes `dataDir` startable again after the process that owned its server died (kill -9 leaves
 * the postgres server running, orphaned, with its `postmaster.pid`).
 *
 * - no `postmaster.pid`: nothing to do;
 * - the pid in it is not a live postgres process: the file is stale and is removed;
 * - the server is still owned by a live process (its parent is not PID 1 and looks like node):
 *   throws, because stopping it would pull the database from under a running program;
 * - otherwise the orphaned server gets SIGINT (fast shutdown: rolls back open transactions,
 *   checkpoints) and we wait until it is gone; SIGQUIT (immediate shutdown) if that takes too long.
 */
export async function stopLeftoverServer(
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined) return;
  const pidFile = join(dataDir, "postmaster.pid");

  if (!isProcessAlive(pid) || !looksLikePostgres(pid)) {
    log(`removing stale ${pidFile} (pid ${pid} is not running)`);
    await rm(pidFile, { force: true });
    return;
  }

  const owner = parentPid(pid);
  if (
    owner !== undefined &&
    owner !== 1 &&
    isProcessAlive(owner) &&
    /\bnode\b/.test(commandLine(owner) ?? "")
  ) {
    throw new Error(
      `PostgreSQL data directory ${dataDir} is in use by server pid ${pid}, owned by running process ${owner}` +
        `${owner === process.pid ? " (this process)" : ""}; stop that one first`,
    );
  }

  log(`stopping leftover PostgreSQL server pid ${pid} on ${dataDir}`);
  process.kill(pid, "SIGINT");
  if (await waitForExit(pid, SHUTDOWN_TIMEOUT_MS)) return;
  log(`leftover PostgreSQL server pid ${pid} ignored fast shutdown; sending SIGQUIT`);
  process.kill(pid, "SIGQUIT");
  if (await waitForExit(pid, IMMEDIATE_SHUTDOWN_TIMEOUT_MS)) return;
  throw new Error(`leftover PostgreSQL server pid ${pid} on ${dataDir} did not stop`);
}

function looksLikePostgres(pid: number): boolean {
  const cmd = commandLine(pid);
  // Without /proc we cannot tell; trust the pid file.
  return cmd === undefined || cmd.includes("postgres");
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isProcessAlive(pid);
}
