import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export type OsUser = { uid: number; gid: number };

/** True when this process runs as root (PostgreSQL then has to run as another OS user). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** uid/gid of an OS user, or undefined when it does not exist. */
export async function lookupOsUser(name: string): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync("id", ["-u", name]).then(({ stdout }) => Number.parseInt(stdout, 10)),
      execFileAsync("id", ["-g", name]).then(({ stdout }) => Number.parseInt(stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    return undefined;
  }
}
