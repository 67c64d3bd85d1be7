import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createClient } from "@connectrpc/connect";
import { bootstrapDemoTenant, productionNodeEnv, repoRoot, startStack } from "@cosafe/dev-stack";
import { databaseUrl } from "@cosafe/embedded-db";
import { ActorType, Role } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import pg from "pg";

// `pnpm bench:serve`: the compiled stack (`pnpm build` first) in production mode, for
// `../shared/bench/` sittings and CPU profiles (docs/performance.md). It runs on a fresh database
// of DATABASE_URL's server (dropped again on exit) with one tenant of a large seat limit, writes
// base URL, token and pids to BENCH_INFO and stays up until interrupted. The services get
// production's NODE_OPTIONS (productionNodeOptions). BENCH_SOURCES=1 runs the
// sources through tsx instead; BENCH_ROOT runs the compiled services of another checkout (an
// earlier commit, for before/after in one sitting).
const env = process.env;
const adminUrl = env.DATABASE_URL;
if (!adminUrl)
  throw new Error(
    "set DATABASE_URL to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres)",
  );
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
const dbName = `cosafe_bench_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database "${dbName}"`);
await admin.end();

const stack = await startStack({
  databaseUrl: databaseUrl(adminUrl, dbName),
  ports: {
    facade: port("SCIM_FACADE_PORT", 8090),
    identityCore: port("IDENTITY_CORE_PORT", 50061),
    licensing: port("LICENSING_PORT", 50062),
  },
  logLevel: env.LOG_LEVEL ?? "warn",
  // As deploy/k8s runs them; BENCH_NODE_OPTIONS adds to (or, later on the line, overrides) that.
  env: { NODE_ENV: "production" },
  serviceEnv: productionNodeEnv(env.BENCH_NODE_OPTIONS),
  ...(env.BENCH_SOURCES === "1" ? {} : { compiledRoot: env.BENCH_ROOT ?? repoRoot }),
});
const demo = await bootstrapDemoTenant(stack, 1_000_000);
if (!demo) throw new Error("the fresh database already has a tenant");
const support = { headers: actorHeaders({ type: ActorType.PERSON, id: "bench", role: Role.SUPPORT }) };
await createClient(
  LicenseService,
  createServiceTransport({ baseUrl: stack.licensingUrl, credential: stack.credential }),
).setSeatLimit({ tenantId: demo.tenantId, seatLimit: 1_000_000 }, support);

const info = {
  base: stack.scimBaseUrl,
  token: demo.token,
  database: dbName,
  pids: Object.fromEntries(stack.services.map((s) => [s.name, s.pid])),
};
const infoFile = resolve(env.BENCH_INFO ?? resolve(repoRoot, ".data", "bench-info.json"));
mkdirSync(dirname(infoFile), { recursive: true });
writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
console.log(`[bench:serve] ${stack.scimBaseUrl} up; token, pids and database in ${infoFile}`);

const stop = async () => {
  await stack.stop();
  // The database was made for this run only (BENCH_KEEP_DB=1 keeps it for a look afterwards).
  if (env.BENCH_KEEP_DB !== "1") {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists "${dbName}" with (force)`);
    await cleanup.end();
  }
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
