import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { OsUser } from "./os-user.js";

/**
 * Throws unless every existing directory from `/` down to `path` can be traversed (x bit) by
 * `user` (judged from owner, group and mode; `undefined` user = "others" only). PostgreSQL runs
 * as the `postgres` OS user when we are root, and a 0700 directory on the way (mkdtemp output,
 * root's home) makes initdb fail with a bare "Permission denied".
 */
export async function assertTraversable(path: string, user: OsUser | undefined, what: string): Promise<void> {
  for (const dir of ancestors(resolve(path))) {
    let mode: number;
    let uid: number;
    let gid: number;
    try {
      ({ mode, uid, gid } = await stat(dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const bit = user?.uid === uid ? 0o100 : user?.gid === gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) {
      throw new Error(
        `${what} ${path} is not reachable by the postgres OS user: ${dir} has mode ` +
          `${(mode & 0o777).toString(8).padStart(4, "0")}. Use a location outside 0700 directories ` +
          `(e.g. not under /root) or chmod o+x ${dir}.`,
      );
    }
  }
}

function ancestors(path: string): string[] {
  const dirs: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dirname(dir) === dir) return dirs;
  }
}
