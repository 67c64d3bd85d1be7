import { chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory under the OS temp dir, 0755 so the postgres OS user can traverse it. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cosafe-embedded-db-test-"));
  await chmod(dir, 0o755);
  return dir;
}
