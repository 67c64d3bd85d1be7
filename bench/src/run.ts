import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { bootstrapDemoTenant, productionNodeEnv, repoRoot, startStack } from "@cosafe/dev-stack";
import { databaseUrl, ensureDatabase, startEmbeddedPostgres } from "@cosafe/embedded-db";
import { ActorType, GroupService, Role } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import pg from "pg";
import { formatRow, measure, measureCpuOf } from "./measure.js";
import { scimClient } from "./scim-client.js";

// `pnpm bench`: speed figures of the running stack on this machine (tests never time anything).
// Uses DATABASE_URL when set, otherwise a throw-away embedded PostgreSQL 15.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const support = { headers: actorHeaders({ type: ActorType.PERSON, id: "bench", role: Role.SUPPORT }) };
const say = (line: string) => console.log(line);

const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), "cosafe-bench-"));
// As root, the embedded server runs as the postgres OS user, which must reach its data folder.
if (dataDir) chmodSync(dataDir, 0o755);
const embedded = dataDir
  ? await startEmbeddedPostgres({ dataDir: join(dataDir, "pg"), port: await freePort(), persistent: false })
  : undefined;
const adminUrl = process.env.DATABASE_URL ?? embedded?.adminUrl ?? "";
const dbName = `cosafe_bench_${Date.now()}`;
const url = embedded ? await ensureDatabase(adminUrl, dbName) : databaseUrl(adminUrl, dbName);
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
if (!embedded) await admin.query(`create database "${dbName}"`);

const stack = await startStack({
  databaseUrl: url,
  ports: { facade: await freePort(), identityCore: await freePort(), licensing: await freePort() },
  logLevel: "warn",
  quiet: true,
  // BENCH_COMPILED=1: the compiled services as the image runs them (`pnpm build` first).
  ...(process.env.BENCH_COMPILED === "1"
    ? { compiledRoot: repoRoot, env: { NODE_ENV: "production" }, serviceEnv: productionNodeEnv() }
    : {}),
});
measureCpuOf(Object.fromEntries(stack.services.map((s) => [s.name, s.pid])));
try {
  const demo = await bootstrapDemoTenant(stack, 200_000);
  if (!demo) throw new Error("no demo tenant");
  const licensing = createClient(
    LicenseService,
    createServiceTransport({ baseUrl: stack.licensingUrl, credential: stack.credential }),
  );
  await licensing.setSeatLimit({ tenantId: demo.tenantId, seatLimit: 200_000 }, support);
  const scim = scimClient(stack.scimBaseUrl, demo.token);
  say(
    `Cosafe SCIM benchmarks — ${new Date().toISOString()} — ${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded PostgreSQL 15"} — ${process.env.BENCH_COMPILED === "1" ? "compiled, NODE_ENV=production" : "sources through tsx"}; CPU ms per request of each service from /proc (utime+stime)`,
  );

  const created: string[] = [];
  say(
    formatRow(
      "SCIM POST /Users (8 parallel IdP requests)",
      await measure(800, 8, async (i) => {
        const user = await scim("POST", "/Users", {
          userName: `bench-${i}@example.com`,
          name: { givenName: "B", familyName: `${i}` },
        });
        created.push(String(user.id));
      }),
    ),
  );
  say(
    formatRow(
      'SCIM GET /Users?filter=userName eq "<random>" (connection test)',
      await measure(1000, 8, async () => {
        await scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
      }),
    ),
  );
  say(
    formatRow(
      "SCIM PATCH /Users/{id} replace title (8 parallel)",
      await measure(800, 8, async (i) => {
        await scim("PATCH", `/Users/${created[i % created.length]}`, {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "Replace", path: "title", value: `Title ${i}` }],
        });
      }),
    ),
  );

  // Large group (R25): 100,000 members, then single-member PATCHes compared with a group of 10.
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(
    `insert into identity.app_user (id, tenant_id, user_name, display_name, active, managed_by, state)
     select gen_random_uuid(), $1, 'big-' || g || '@example.com', 'Big ' || g, true, 'SCIM', 'PROVISIONED'
       from generate_series(1, 100000) g`,
    [demo.tenantId],
  );
  const ids = (
    await db.query("select id from identity.app_user where user_name like 'big-%' order by id")
  ).rows.map((r) => r.id as string);
  await db.end();
  const groups = createClient(
    GroupService,
    createServiceTransport({ baseUrl: stack.identityCoreUrl, credential: stack.credential }),
  );
  const scimActor = {
    headers: actorHeaders({
      type: ActorType.SCIM_TOKEN,
      id: "bench",
      role: Role.SCIM,
      tenantId: demo.tenantId,
    }),
  };
  const big = await scim("POST", "/Groups", { displayName: "Everyone (100k)" });
  const small = await scim("POST", "/Groups", { displayName: "Crisis team (10)" });
  const fill = await measure(100, 1, async (batch) => {
    await groups.addGroupMembers(
      {
        tenantId: demo.tenantId,
        groupId: String(big.id),
        userIds: ids.slice(batch * 1000, batch * 1000 + 1000),
      },
      scimActor,
    );
  });
  say(formatRow("fill a group to 100,000 members (AddGroupMembers, 1,000 per call)", fill, "calls/s"));
  await groups.addGroupMembers(
    { tenantId: demo.tenantId, groupId: String(small.id), userIds: created.slice(0, 10) },
    scimActor,
  );
  for (const [name, group] of [
    ["group of 100,000", big],
    ["group of 10", small],
  ] as const) {
    say(
      formatRow(
        `SCIM PATCH add+remove one member, ${name}`,
        await measure(200, 4, async (i) => {
          const member = created[100 + (i % 600)];
          await scim("PATCH", `/Groups/${group.id}`, {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            Operations: [{ op: i % 2 === 0 ? "Add" : "Remove", path: "members", value: [{ value: member }] }],
          });
        }),
      ),
    );
  }
  say(
    formatRow(
      "SCIM GET /Groups/{id}?excludedAttributes=members, group of 100,000",
      await measure(300, 8, async () => {
        await scim("GET", `/Groups/${big.id}?excludedAttributes=members`);
      }),
    ),
  );
} finally {
  await stack.stop();
  if (!embedded) await admin.query(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
