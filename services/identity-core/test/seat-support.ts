import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type Client, createClient } from "@connectrpc/connect";
import { createLogger, type Logger } from "@cosafe/logging";
import { GroupService, TenantService, UserService } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { createServiceTransport, waitUntilServing } from "@cosafe/rpc";
import { freePort } from "@cosafe/testing";
import { type IdentityCore, startIdentityCore } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { LicensingSeatLedger } from "../src/domain/seats/licensing-seat-ledger.js";
import type { SeatAuthority } from "../src/domain/seats.js";
import { as, supportActor, testCredential, testServiceRoles } from "./support/core-harness.js";

/** identity-core's own credential towards licensing (the wiring gives it its own secret). */
export const coreCredential = { service: "identity-core", secret: "identity-core-secret-0123456789" };

/** The licensing service's entry point: started as a process by path, never imported. */
const licensingMain = join(import.meta.dirname, "../../licensing/src/main.ts");

/** A licensing server as its own process on the test database (it migrates its schema itself). */
export interface LicensingProcess {
  url: string;
  port: number;
  /** SIGKILL: in-flight requests are cut, nothing shuts down gracefully. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process freezes with its connections open (requests hang). */
  pause(): void;
  resume(): void;
}

export async function startLicensingProcess(databaseUrl: string, port?: number): Promise<LicensingProcess> {
  const listenPort = port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", licensingMain], {
    cwd: join(licensingMain, "../.."),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LICENSING_PORT: String(listenPort),
      COSAFE_SERVICE_CREDENTIALS: [coreCredential, testCredential]
        .map((c) => `${c.service}:${c.secret}`)
        .join(","),
      COSAFE_SERVICE_ROLES: testServiceRoles,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
      // Several replicas share one test server with other test files: keep their pools small.
      LICENSING_DB_POOL_MAX: "5",
      COSAFE_PARENT_PID: String(process.pid),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${listenPort}`;
  try {
    await waitUntilServing({ baseUrl: url, name: "licensing", exited });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    await exited;
  };
  return {
    url,
    port: listenPort,
    kill: () => signal("SIGKILL"),
    stop: async () => {
      child.kill("SIGCONT");
      await signal("SIGTERM");
    },
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
  };
}

/** A client of licensing as the test suite (acting as support to set limits). */
export function licensingClient(url: string): Client<typeof LicenseService> {
  return createClient(LicenseService, createServiceTransport({ baseUrl: url, credential: testCredential }));
}

/** A logger whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: createLogger({ service: "identity-core", level: "debug", destination }),
    lines: () => lines,
  };
}

export const quietLogger = () =>
  createLogger({ service: "identity-core", level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** A ledger towards a licensing URL with fast retries for tests. */
export function ledgerFor(url: string, logger: Logger = quietLogger()): LicensingSeatLedger {
  return LicensingSeatLedger.connect({
    url,
    credential: coreCredential,
    logger,
    allocateBudgetMs: 3000,
    backoffMs: 20,
  });
}

/** identity-core in-process on a shared database with a given seat ledger, plus clients. */
export interface CoreInstance {
  core: IdentityCore;
  users: Client<typeof UserService>;
  groups: Client<typeof GroupService>;
  tenants: Client<typeof TenantService>;
  close(): Promise<void>;
}

export async function startCore(databaseUrl: string, seats: SeatAuthority): Promise<CoreInstance> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    IDENTITY_CORE_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: `${testCredential.service}:${testCredential.secret}`,
    COSAFE_SERVICE_ROLES: testServiceRoles,
    IDENTITY_CORE_DB_POOL_MAX: "8",
  });
  const core = await startIdentityCore(config, quietLogger(), { seats });
  const transport = createServiceTransport({
    baseUrl: `http://127.0.0.1:${core.server.port}`,
    credential: testCredential,
  });
  return {
    core,
    users: createClient(UserService, transport),
    groups: createClient(GroupService, transport),
    tenants: createClient(TenantService, transport),
    close: () => core.close(),
  };
}

/** Creates a tenant as support and gives it a licence of `seatLimit` seats. */
export async function licensedTenant(
  core: CoreInstance,
  licensing: Client<typeof LicenseService>,
  seatLimit: number,
): Promise<string> {
  const { tenant } = await core.tenants.createTenant({ displayName: "Seat Test Co" }, as(supportActor));
  if (!tenant) throw new Error("no tenant");
  await licensing.setSeatLimit({ tenantId: tenant.id, seatLimit }, as(supportActor));
  return tenant.id;
}
