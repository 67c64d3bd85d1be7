import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * PID recorded in `dataDir/postmaster.pid` (its first line), undefined when there is no such
 * file, 0 when the file is empty or garbled (a crash while it was written: stale).
 */
export async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  let content: string;
  try {
    content = await readFile(join(dataDir, "postmaster.pid"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const pid = Number.parseInt(content.split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}
