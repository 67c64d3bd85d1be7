import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops service processes a previous launcher left behind (it was killed with -9 before
 * its children noticed), as recorded in the pid file, so their ports are free again.
 */
export async function stopLeftoverServices(pidFile: string): Promise<number[]> {
  let pids: number[] = [];
  try {
    pids = JSON.parse(readFileSync(pidFile, "utf8")) as number[];
  } catch {
    return [];
  }
  const leftovers = pids.filter((pid) => Number.isInteger(pid) && pid > 1 && alive(pid));
  for (const pid of leftovers) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 10_000;
  while (leftovers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of leftovers.filter(alive)) process.kill(pid, "SIGKILL");
  rmSync(pidFile, { force: true });
  return leftovers;
}

export function writePidFile(pidFile: string, pids: number[]): void {
  mkdirSync(dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, JSON.stringify(pids));
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}
