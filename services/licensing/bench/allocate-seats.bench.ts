/**
 * `pnpm --filter @cosafe/licensing bench`: allocations per second for one tenant (the burst of
 * an identity provider's first sync of a large customer), with BENCH_CLIENTS (8) concurrent
 * clients for BENCH_SECONDS (10) after a 2 s warm-up, three ways (plus a read-only RPC as the
 * reference for what the gRPC stack itself costs on this machine):
 *
 *  1. gRPC: the real path — clients → a licensing process (src/main.ts) → PostgreSQL.
 *  2. SQL only: the allocation statement the service runs, straight over 8 connections.
 *  3. Baseline: the design ADR 0009 rejected, measured in the same sitting — a per-tenant counter
 *     row updated first and held through a multi-round-trip transaction (BEGIN; UPDATE counter;
 *     INSERT seat; INSERT audit; COMMIT), the shape that capped one tenant near 770/s here.
 *
 * Needs DATABASE_URL pointing at a PostgreSQL 15+ server with a role that may create databases;
 * a throw-away database is created and dropped.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { ActorType, Role } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import pg from "pg";
import { insertSeatsSql } from "../src/domain/seat-commands.js";
import { migrateDatabase } from "../src/storage/migrate-database.js";

const clients = Number(process.env.BENCH_CLIENTS ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmupMs = 2000;
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  console.error(
    "bench: set DATABASE_URL to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres)",
  );
  process.exit(2);
}

const credential = { service: "bench", secret: "bench-secret-0123456789abcdef" };
const system = { headers: actorHeaders({ type: ActorType.SYSTEM, id: "bench", role: Role.SYSTEM }) };
const support = {
  headers: actorHeaders({ type: ActorType.PERSON, id: "bench@cosafe.test", role: Role.SUPPORT }),
};

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** Runs `op` in `clients` loops; counts completions after the warm-up. */
async function measure(name: string, op: (worker: number) => Promise<void>, unit = "allocations/s") {
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  const loops = Array.from({ length: clients }, async (_, worker) => {
    while (!stop) {
      const started = performance.now();
      await op(worker);
      if (measuring) latencies.push(performance.now() - started);
    }
  });
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const load1 = (await import("node:os")).loadavg()[0]?.toFixed(1);
  measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(1);
  console.log(
    `${name.padEnd(44)} ${Math.round(latencies.length / elapsed)
      .toString()
      .padStart(6)} ${unit}   p50 ${at(0.5)} ms   p99 ${at(0.99)} ms   (load1 ${load1})`,
  );
}

const database = `licensing_bench_${process.pid}`;
await admin((c) => c.query(`create database ${database}`));
const url = withDatabase(adminUrl, database);
let server: ReturnType<typeof spawn> | undefined;
try {
  await migrateDatabase(url);
  const port = await freePort();
  server = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../src/main.ts")], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      LICENSING_PORT: String(port),
      COSAFE_SERVICE_CREDENTIALS: `${credential.service}:${credential.secret}`,
      COSAFE_SERVICE_ROLES: `${credential.service}:SUPPORT,SYSTEM`,
      LOG_LEVEL: "warn",
      LICENSING_DB_POOL_MAX: String(clients),
      COSAFE_PARENT_PID: String(process.pid),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const rpc: Client<typeof LicenseService>[] = Array.from({ length: clients }, () =>
    createClient(LicenseService, createServiceTransport({ baseUrl: `http://127.0.0.1:${port}`, credential })),
  );
  const first = rpc[0] as Client<typeof LicenseService>;
  for (let i = 0; ; i++) {
    const ready = await first
      .getLicense({ tenantId: randomUUID() }, support)
      .then(() => true)
      .catch(() => false);
    if (ready) break;
    if (i > 300) throw new Error("licensing did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`one tenant, ${clients} concurrent clients, ${seconds} s after a ${warmupMs / 1000} s warm-up`);

  const grpcTenant = randomUUID();
  await measure(
    "0. reference: GetLicense over gRPC (one read)",
    async (w) => {
      await rpc[w]?.getLicense({ tenantId: grpcTenant }, support);
    },
    "reads/s",
  );
  await first.setSeatLimit({ tenantId: grpcTenant, seatLimit: 10_000_000 }, support);
  await measure("1. AllocateSeat over gRPC (licensing process)", async (w) => {
    await rpc[w]?.allocateSeat({ tenantId: grpcTenant, userId: randomUUID() }, system);
  });

  const pool = new pg.Pool({ connectionString: url, max: clients });
  const sqlTenant = randomUUID();
  await pool.query("insert into licensing.license (tenant_id, seat_limit) values ($1, 10000000)", [
    sqlTenant,
  ]);
  let n = 0;
  const statement = insertSeatsSql.replace(/\?/g, () => `$${++n}`);
  await measure("2. the allocation statement, SQL only", async () => {
    await pool.query({
      name: "allocate",
      text: statement,
      values: [
        JSON.stringify([{ id: randomUUID(), user_id: randomUUID() }]),
        sqlTenant,
        "bench",
        "SYSTEM",
        "allocate",
        "bench",
      ],
    });
  });

  await pool.query(`
    create schema bench;
    create table bench.counter (tenant_id uuid primary key, seats_in_use int not null, seat_limit int not null);
    create table bench.seat (like licensing.seat including all);
    create table bench.audit_event (like licensing.audit_event including all);`);
  const baselineTenant = randomUUID();
  await pool.query("insert into bench.counter values ($1, 0, 10000000)", [baselineTenant]);
  await measure("3. baseline: counter row held through 5 round trips", async () => {
    const c = await pool.connect();
    try {
      await c.query("begin");
      const { rowCount } = await c.query({
        name: "bump",
        text: "update bench.counter set seats_in_use = seats_in_use + 1 where tenant_id = $1 and seats_in_use < seat_limit",
        values: [baselineTenant],
      });
      if (rowCount !== 1) throw new Error("limit");
      const seatId = randomUUID();
      await c.query({
        name: "seat",
        text: "insert into bench.seat (id, tenant_id, user_id) values ($1, $2, $3)",
        values: [seatId, baselineTenant, randomUUID()],
      });
      await c.query({
        name: "audit",
        text: `insert into bench.audit_event (tenant_id, actor_id, actor_role, action, after, request_id)
               values ($1, 'bench', 'SYSTEM', 'seat.allocated', jsonb_build_object('seatId', $2::uuid), 'bench')`,
        values: [baselineTenant, seatId],
      });
      await c.query("commit");
    } finally {
      c.release();
    }
  });

  const { rows } = await pool.query(
    `select l.tenant_id, l.seats_in_use, (select count(*)::int from licensing.seat s where s.tenant_id = l.tenant_id) as seats
       from licensing.license l`,
  );
  for (const row of rows)
    if (row.seats_in_use !== row.seats)
      throw new Error(`counter drift for ${row.tenant_id}: ${JSON.stringify(row)}`);
  console.log("check: every licence counter equals its seat rows");
  await pool.end();
} finally {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((resolve) => server?.once("exit", resolve));
  }
  await admin((c) => c.query(`drop database if exists ${database} with (force)`));
}
