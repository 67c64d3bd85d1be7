import { readFileSync } from "node:fs";

/** USER_HZ is 100 on Linux: one clock tick of /proc/<pid>/stat is 10 ms. */
const tickMs = 10;

/** CPU time (user + system) a process has used so far, in ms; 0 where /proc is not available. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * tickMs;
  } catch {
    return 0;
  }
}

/** Starts counting the CPU time of named processes; `stop(n)` answers ms per request for n requests. */
export function cpuMeter(processes: Record<string, number>) {
  const start = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid)]));
  return (requests: number): Record<string, number> =>
    Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => [
        name,
        (processCpuMs(pid) - (start[name] ?? 0)) / Math.max(1, requests),
      ]),
    );
}
