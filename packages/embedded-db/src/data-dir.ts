import { chmod, mkdir } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * Creates the missing parents of `dataDir` with mode 0755 (explicitly, whatever the umask), so
 * the `postgres` OS user can traverse them when we run as root. The data directory itself is
 * left to initdb, which creates it 0700 and owned by the server's user.
 */
export async function createDataDirParents(dataDir: string): Promise<void> {
  const parent = dirname(resolve(dataDir));
  const firstCreated = await mkdir(parent, { recursive: true, mode: 0o755 });
  if (firstCreated === undefined) return;
  let dir = dirname(firstCreated);
  for (const part of relative(dir, parent).split(sep)) {
    dir = join(dir, part);
    await chmod(dir, 0o755);
  }
}
