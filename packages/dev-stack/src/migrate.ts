import { resolve } from "node:path";
import { ensureDatabase, startEmbeddedPostgres } from "@cosafe/embedded-db";
import { repoRoot } from "./repo-root.js";
import { runMigrations } from "./service-process.js";

// `pnpm migrate`: applies every service's pending migrations to DATABASE_URL, or to the
// embedded database `pnpm start` uses when DATABASE_URL is not set.
const env = process.env;
let databaseUrl = env.DATABASE_URL;
const embedded = databaseUrl
  ? undefined
  : await startEmbeddedPostgres({
      dataDir: resolve(env.COSAFE_DATA_DIR ?? resolve(repoRoot, ".data"), "postgres"),
      port: Number(env.EMBEDDED_POSTGRES_PORT ?? 54329),
      persistent: true,
    });
try {
  if (embedded) databaseUrl = await ensureDatabase(embedded.adminUrl, "cosafe");
  for (const service of ["identity-core", "licensing"] as const)
    await runMigrations(service, databaseUrl ?? "");
} finally {
  await embedded?.stop();
}
