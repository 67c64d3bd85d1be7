import { readFileSync } from "node:fs";

/**
 * True when `pid` names a live process. Zombies (exited, not yet reaped by their parent, e.g. a
 * postgres server orphaned to PID 1) count as gone.
 */
export function isProcessAlive(pid: number): boolean {
  // kill(0 or negative) would address process groups.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const state = procStat(pid)?.state;
  return state !== "Z" && state !== "X";
}

/** Parent PID of `pid` from /proc, or undefined where /proc is not available. */
export function parentPid(pid: number): number | undefined {
  return procStat(pid)?.ppid;
}

/** The process's command line from /proc (arguments joined by spaces), or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return undefined;
  }
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ..." where comm may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const [state, ppid] = fields;
  if (state === undefined || ppid === undefined) return undefined;
  return { state, ppid: Number(ppid) };
}
