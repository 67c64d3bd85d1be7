import { rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type EmbeddedPostgres, ensureDatabase, startEmbeddedPostgres } from "@cosafe/embedded-db";
import { bootstrapDemoTenant, demoInstructions } from "./bootstrap-demo-tenant.js";
import { removePidFile, stopLeftoverServices, writePidFile } from "./pid-file.js";
import { repoRoot } from "./repo-root.js";
import { type Stack, startStack } from "./stack.js";

// `pnpm start`: the whole stack on one machine. With DATABASE_URL it uses that server;
// without, an embedded PostgreSQL 15 whose data survives restarts in COSAFE_DATA_DIR.
const env = process.env;
const dataDir = resolve(env.COSAFE_DATA_DIR ?? resolve(repoRoot, ".data"));
const pidFile = resolve(dataDir, "run", "services.json");
const ports = {
  facade: Number(env.SCIM_FACADE_PORT ?? 8080),
  identityCore: Number(env.IDENTITY_CORE_PORT ?? 50051),
  licensing: Number(env.LICENSING_PORT ?? 50052),
  embeddedPostgres: Number(env.EMBEDDED_POSTGRES_PORT ?? 54329),
};
const metricsPorts = {
  facade: Number(env.SCIM_FACADE_METRICS_PORT ?? 9101),
  identityCore: Number(env.IDENTITY_CORE_METRICS_PORT ?? 9102),
  licensing: Number(env.LICENSING_METRICS_PORT ?? 9103),
};

const log = (message: string) => console.log(`[start] ${message}`);

let embedded: EmbeddedPostgres | undefined;
let stack: Stack | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log("stopping…");
    await stack?.stop().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    removePidFile(pidFile);
    rmSync(resolve(dataDir, "run", "cli.env"), { force: true });
  }
  process.exit(code);
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

try {
  const leftovers = await stopLeftoverServices(pidFile);
  if (leftovers.length > 0) log(`stopped ${leftovers.length} service process(es) left by an earlier run`);
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    log(
      `starting embedded PostgreSQL 15 on 127.0.0.1:${ports.embeddedPostgres} (data in ${dataDir}/postgres)`,
    );
    embedded = await startEmbeddedPostgres({
      dataDir: resolve(dataDir, "postgres"),
      port: ports.embeddedPostgres,
      persistent: true,
    });
    databaseUrl = await ensureDatabase(embedded.adminUrl, "cosafe");
  }
  stack = await startStack({
    databaseUrl,
    ports,
    metricsPorts,
    publicBaseUrl: env.SCIM_PUBLIC_BASE_URL,
    logLevel: env.LOG_LEVEL ?? "info",
    onSpawn: (pids) => writePidFile(pidFile, pids),
  });
  log(`identity-core gRPC on ${stack.identityCoreUrl}, licensing gRPC on ${stack.licensingUrl}`);
  log(`SCIM facade on ${stack.scimBaseUrl}`);
  if (stack.metricsUrls) {
    const m = stack.metricsUrls;
    log(`metrics: ${m.facade} (scim-facade), ${m.identityCore} (identity-core), ${m.licensing} (licensing)`);
  }
  const cliEnv = resolve(dataDir, "run", "cli.env");
  writeFileSync(
    cliEnv,
    [
      `export COSAFE_IDENTITY_CORE_URL=${stack.identityCoreUrl}`,
      `export COSAFE_LICENSING_URL=${stack.licensingUrl}`,
      `export COSAFE_SERVICE_NAME=${stack.cliCredential.service}`,
      `export COSAFE_SERVICE_SECRET=${stack.cliCredential.secret}`,
      `export COSAFE_SUPPORT_PERSON=\${COSAFE_SUPPORT_PERSON:-$(whoami)@localhost}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  log(`support CLI: source ${cliEnv} && pnpm cosafe --help`);
  const demo = await bootstrapDemoTenant(stack);
  if (demo) console.log(demoInstructions(stack.scimBaseUrl, demo));
  else
    log(
      "the database already holds a tenant: no demo tenant (tokens are shown once; issue another with: pnpm cosafe token issue <tenant-id>)",
    );
  log("ready. Ctrl-C stops everything.");
  const exited = await Promise.race(
    stack.services.map((s) => s.exited.then((code) => ({ name: s.name, code }))),
  );
  if (!stopping) {
    console.error(`[start] ${exited.name} exited unexpectedly (code ${exited.code}); stopping the stack`);
    await stopAll(1);
  }
} catch (error) {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
