import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { ActorType, Role } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, type CallActor, createServiceTransport, waitUntilServing } from "@cosafe/rpc";
import { createTestDatabase, freePort, type TestDatabase } from "@cosafe/testing";
import { migrateDatabase } from "../../src/storage/migrate-database.js";

const serviceRoot = join(import.meta.dirname, "../..");
const migrationsDir = join(serviceRoot, "src/storage/migrations");

export const credential = { service: "test-suite", secret: "test-suite-secret-0123456789" };
export const credentialsEnv = `${credential.service}:${credential.secret}`;
/** COSAFE_SERVICE_ROLES of the test servers: the test credential may claim every role. */
export const serviceRolesEnv = `${credential.service}:SCIM,ADMIN,SUPPORT,SYSTEM`;

export const support: CallActor = { type: ActorType.PERSON, id: "support@cosafe.test", role: Role.SUPPORT };
export const system: CallActor = { type: ActorType.SYSTEM, id: "identity-core", role: Role.SYSTEM };
export const as = (actor: CallActor) => ({ headers: actorHeaders(actor) });

/** Changes whenever a migration file changes, so a stale template is never reused. */
function migrationsFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsDir).sort())
    hash.update(file).update(readFileSync(join(migrationsDir, file)));
  return hash.digest("hex").slice(0, 12);
}

/** A migrated licensing database of this test file's own. */
export function licensingTestDatabase(): Promise<TestDatabase> {
  return createTestDatabase({
    template: {
      key: "licensing",
      fingerprint: migrationsFingerprint(),
      prepare: async (url) => void (await migrateDatabase(url)),
    },
  });
}

export function licensingClient(url: string): Client<typeof LicenseService> {
  return createClient(LicenseService, createServiceTransport({ baseUrl: url, credential }));
}

/** A licensing server running as its own process (src/main.ts through tsx), as in production. */
export interface LicensingProcess {
  url: string;
  port: number;
  pid: number;
  exited: Promise<number | null>;
  /** SIGKILL: no graceful shutdown, connections and in-flight requests cut. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export async function startLicensingProcess(options: {
  databaseUrl: string;
  port?: number;
}): Promise<LicensingProcess> {
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(serviceRoot, "src/main.ts")], {
    cwd: serviceRoot,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      LICENSING_PORT: String(port),
      COSAFE_SERVICE_CREDENTIALS: credentialsEnv,
      COSAFE_SERVICE_ROLES: serviceRolesEnv,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
      COSAFE_PARENT_PID: String(process.pid),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (child.pid === undefined) throw new Error("could not start licensing");
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
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
  return { url, port, pid: child.pid, exited, kill: () => signal("SIGKILL"), stop: () => signal("SIGTERM") };
}
