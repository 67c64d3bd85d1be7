import { randomBytes } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type ServiceProcess, spawnService } from "@cosafe/dev-stack";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@cosafe/proto/health";
import { waitUntilServing } from "@cosafe/rpc";
import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from "@cosafe/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Issue 14, readiness: gRPC health of identity-core and licensing, and the facade's /readyz,
 * report NOT_SERVING within 5 s of PostgreSQL (or, for the facade, identity-core) becoming
 * unreachable, and serve again when it is back. The services run as processes; each
 * dependency sits behind a TCP proxy the test pauses (frozen, bytes held) or cuts (refused).
 */
const secret = () => randomBytes(24).toString("hex");
const facadeSecret = secret();
let database: TestDatabase;
let dbProxy: TcpProxy;
let coreProxy: TcpProxy;
let services: ServiceProcess[] = [];
let coreUrl: string;
let licensingUrl: string;
let readyzUrl: string;
const logs: string[] = [];

const withinFiveSeconds = { timeout: 5000, interval: 100 };
const afterRecovery = { timeout: 15_000, interval: 200 };

async function grpcStatus(baseUrl: string): Promise<string> {
  const health = createClient(Health, createGrpcTransport({ baseUrl }));
  return health
    .check({ service: "" }, { timeoutMs: 1000 })
    .then((r) => Status[r.status])
    .catch((e: unknown) => `unreachable: ${String(e)}`);
}

async function readyz(): Promise<number> {
  return fetch(readyzUrl, { signal: AbortSignal.timeout(4000) })
    .then((r) => r.status)
    .catch(() => 0);
}

function parsed(line: string): { msg?: string; port?: number } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; port?: number };
  } catch {
    return undefined;
  }
}

/** The port a service logs once it listens; fails with its output if it exits first. */
async function loggedPort(name: string, message: string, service: ServiceProcess): Promise<number> {
  let exited = false;
  void service.exited.then(() => {
    exited = true;
  });
  for (let i = 0; i < 600; i++) {
    for (const line of logs) {
      if (!line.startsWith(`[${name}] `)) continue;
      const entry = parsed(line.slice(name.length + 3));
      if (entry?.msg === message && entry.port) return entry.port;
    }
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not start:\n${logs.filter((l) => l.startsWith(`[${name}]`)).join("\n")}`);
}

beforeAll(async () => {
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  const url = new URL(database.url);
  dbProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const proxiedUrl = new URL(database.url);
  proxiedUrl.host = dbProxy.address;
  const common = {
    DATABASE_URL: proxiedUrl.toString(),
    COSAFE_SERVICE_CREDENTIALS: `scim-facade:${facadeSecret}`,
    LOG_LEVEL: "info",
  };
  // Port 0 and the port each service logs: no race for free ports with parallel test files.
  const output = (name: string) => ({ onLog: (line: string) => logs.push(`[${name}] ${line}`) });
  const core = spawnService("identity-core", { ...common, IDENTITY_CORE_PORT: "0" }, output("identity-core"));
  const licensing = spawnService("licensing", { ...common, LICENSING_PORT: "0" }, output("licensing"));
  services = [core, licensing];
  const [corePort, licensingPort] = await Promise.all([
    loggedPort("identity-core", "identity-core serving gRPC", core),
    loggedPort("licensing", "licensing serving gRPC", licensing),
  ]);
  coreProxy = await startTcpProxy({ host: "127.0.0.1", port: corePort });
  const facade = spawnService(
    "scim-facade",
    {
      LOG_LEVEL: "info",
      SCIM_FACADE_PORT: "0",
      IDENTITY_CORE_URL: `http://${coreProxy.address}`,
      COSAFE_SERVICE_SECRET: facadeSecret,
    },
    output("scim-facade"),
  );
  services.push(facade);
  const facadePort = await loggedPort("scim-facade", "scim-facade listening", facade);
  coreUrl = `http://127.0.0.1:${corePort}`;
  licensingUrl = `http://127.0.0.1:${licensingPort}`;
  readyzUrl = `http://127.0.0.1:${facadePort}/readyz`;
  await Promise.all([
    waitUntilServing({ baseUrl: coreUrl, name: "identity-core", exited: core.exited }),
    waitUntilServing({ baseUrl: licensingUrl, name: "licensing", exited: licensing.exited }),
  ]);
  for (let i = 0; (await readyz()) !== 200; i++) {
    if (i > 100) throw new Error("the facade did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await dbProxy?.close();
  await coreProxy?.close();
  await database?.drop();
});

async function expectAllServing() {
  await expect.poll(() => grpcStatus(coreUrl), afterRecovery).toBe("SERVING");
  await expect.poll(() => grpcStatus(licensingUrl), afterRecovery).toBe("SERVING");
  await expect.poll(readyz, afterRecovery).toBe(200);
}

describe("readiness follows the dependencies (issue 14)", () => {
  it("a frozen PostgreSQL: identity-core and licensing NOT_SERVING and /readyz 503 within 5 s, serving again after", async () => {
    dbProxy.pause();
    await Promise.all([
      expect.poll(() => grpcStatus(coreUrl), withinFiveSeconds).toBe("NOT_SERVING"),
      expect.poll(() => grpcStatus(licensingUrl), withinFiveSeconds).toBe("NOT_SERVING"),
      expect.poll(readyz, withinFiveSeconds).toBe(503),
    ]);
    dbProxy.resume();
    await expectAllServing();
  });

  it("a PostgreSQL that refuses connections: NOT_SERVING within 5 s, serving again after", async () => {
    dbProxy.cut();
    await Promise.all([
      expect.poll(() => grpcStatus(coreUrl), withinFiveSeconds).toBe("NOT_SERVING"),
      expect.poll(() => grpcStatus(licensingUrl), withinFiveSeconds).toBe("NOT_SERVING"),
      expect.poll(readyz, withinFiveSeconds).toBe(503),
    ]);
    dbProxy.resume();
    await expectAllServing();
  });

  it("identity-core frozen or gone: the facade's /readyz is 503 within 5 s and 200 again after", async () => {
    coreProxy.pause();
    await expect.poll(readyz, withinFiveSeconds).toBe(503);
    coreProxy.resume();
    await expect.poll(readyz, afterRecovery).toBe(200);
    coreProxy.cut();
    await expect.poll(readyz, withinFiveSeconds).toBe(503);
    coreProxy.resume();
    await expect.poll(readyz, afterRecovery).toBe(200);
    // identity-core itself stayed healthy throughout.
    expect(await grpcStatus(coreUrl)).toBe("SERVING");
  });
});
