import { readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopLeftoverServer } from "@cosafe/embedded-db";
import { EMBEDDED_SERVER_DIR_PREFIX, OWNER_PID_FILE } from "./embedded-test-server.js";

const UNOWNED_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Removes embedded test servers of earlier runs that died without teardown (kill -9 of vitest
 * leaves the server running, orphaned): stops the server and deletes its temp directory, but
 * only when the owning process recorded in the directory is gone.
 */
export async function removeStaleEmbeddedServers(): Promise<void> {
  const base = tmpdir();
  const entries = await readdir(base).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(EMBEDDED_SERVER_DIR_PREFIX)) continue;
    const dir = join(base, entry);
    try {
      if (await isOwned(dir)) continue;
      await stopLeftoverServer(join(dir, "data"));
      await rm(dir, { recursive: true, force: true });
    } catch {
      // Not ours to decide (in use, permissions): leave it.
    }
  }
}

async function isOwned(dir: string): Promise<boolean> {
  let owner: number;
  try {
    owner = Number.parseInt(await readFile(join(dir, OWNER_PID_FILE), "utf8"), 10);
  } catch {
    // Directory created but owner not yet recorded: only old ones are abandoned.
    return Date.now() - (await stat(dir)).mtimeMs < UNOWNED_MAX_AGE_MS;
  }
  if (!Number.isInteger(owner) || owner <= 0) return false;
  if (owner === process.pid) return true;
  try {
    process.kill(owner, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
