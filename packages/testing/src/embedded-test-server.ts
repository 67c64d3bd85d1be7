import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@cosafe/embedded-db";
import { freePort } from "./free-port.js";

/** Temp directories of embedded test servers are named `<prefix>XXXXXX`. */
export const EMBEDDED_SERVER_DIR_PREFIX = "cosafe-test-pg-";
/** File in such a directory holding the PID of the process that owns the server. */
export const OWNER_PID_FILE = "owner.pid";

const START_ATTEMPTS = 3;

export type EmbeddedTestServer = { server: EmbeddedPostgres; stop(): Promise<void> };

/**
 * Starts a throw-away PostgreSQL 15 for one test run: fresh 0755 temp dir (the postgres OS user
 * must traverse it when we run as root), free port, non-persistent. stop() deletes everything.
 * Retries on another port if the chosen one was taken in the meantime.
 */
export async function startEmbeddedTestServer(): Promise<EmbeddedTestServer> {
  const root = await mkdtemp(join(tmpdir(), EMBEDDED_SERVER_DIR_PREFIX));
  await chmod(root, 0o755);
  await writeFile(join(root, OWNER_PID_FILE), `${process.pid}\n`);
  const stop = async (server?: EmbeddedPostgres) => {
    try {
      await server?.stop();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const server = await startEmbeddedPostgres({
        dataDir: join(root, "data"),
        port: await freePort(),
        persistent: false,
      });
      return { server, stop: () => stop(server) };
    } catch (error) {
      const portTaken =
        error instanceof Error && /could not bind|Address already in use/i.test(error.message);
      if (!portTaken || attempt >= START_ATTEMPTS) {
        await stop();
        throw error;
      }
    }
  }
}
