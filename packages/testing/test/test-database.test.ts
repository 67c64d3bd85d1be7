import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, freePort, type TestDatabase, testAdminUrl } from "../src/index.js";
import { testRunId } from "../src/test-context.js";

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testAdminUrl() });
  await client.connect();
  try {
    return (await client.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** A template with one table and one seed row; counts how often it was prepared. */
function widgetTemplate(key: string, fingerprint = "v1") {
  const template = {
    key,
    fingerprint,
    prepared: 0,
    async prepare(url: string) {
      template.prepared++;
      await query(
        url,
        "create table widget (id int primary key, name text); insert into widget values (1, 'seed')",
      );
    },
  };
  return template;
}

const created: TestDatabase[] = [];
async function create(template: Parameters<typeof createTestDatabase>[0]["template"]): Promise<TestDatabase> {
  const database = await createTestDatabase({ template });
  created.push(database);
  return database;
}

afterAll(async () => {
  for (const database of created) await database.drop();
});

describe("run context", () => {
  it("reaches the worker through process.env and vitest inject alike", () => {
    expect(process.env.COSAFE_TEST_ADMIN_URL).toMatch(/^postgres(ql)?:\/\//);
    expect(process.env.COSAFE_TEST_RUN_ID).toMatch(/^cosafe_test_\d{14}_[a-z0-9]{6}$/);
    expect(inject("cosafeTestAdminUrl")).toBe(process.env.COSAFE_TEST_ADMIN_URL);
    expect(inject("cosafeTestRunId")).toBe(process.env.COSAFE_TEST_RUN_ID);
    expect(testAdminUrl()).toBe(process.env.COSAFE_TEST_ADMIN_URL);
    if (process.env.DATABASE_URL) expect(testAdminUrl()).toBe(process.env.DATABASE_URL);
    else expect(testAdminUrl()).not.toMatch(/:5432\//);
  });
});

describe("createTestDatabase", () => {
  it("gives isolated databases cloned from one template", async () => {
    const template = widgetTemplate("isolation");
    const a = await create(template);
    const b = await create(template);
    expect(template.prepared).toBe(1);
    expect(a.name).not.toBe(b.name);
    expect(a.name.startsWith(`${testRunId()}_`)).toBe(true);

    await query(a.url, "insert into widget values (2, 'only in a')");
    expect(await query(a.url, "select name from widget order by id")).toEqual([
      { name: "seed" },
      { name: "only in a" },
    ]);
    expect(await query(b.url, "select name from widget order by id")).toEqual([{ name: "seed" }]);
    expect(await query(b.url, "select current_database() as db")).toEqual([{ db: b.name }]);
  });

  it("prepares the template once when three callers race", async () => {
    const template = widgetTemplate("race");
    const started = performance.now();
    const databases = await Promise.all([create(template), create(template), create(template)]);
    const elapsed = performance.now() - started;
    expect(template.prepared).toBe(1);
    expect(new Set(databases.map((database) => database.name)).size).toBe(3);
    for (const database of databases) {
      expect(await query(database.url, "select count(*)::int as n from widget")).toEqual([{ n: 1 }]);
    }
    console.info(`template + 3 clones: ${elapsed.toFixed(0)} ms`);
  });

  it("clones cheaply once the template exists", async () => {
    const template = widgetTemplate("isolation");
    const started = performance.now();
    await create(template);
    const elapsed = performance.now() - started;
    expect(template.prepared).toBe(0);
    console.info(`one more clone: ${elapsed.toFixed(0)} ms`);
  });

  it("copes with a prepare() that leaves a connection open", async () => {
    const leaked = new pg.Client();
    leaked.on("error", () => {});
    const template = {
      key: "leaky",
      fingerprint: "v1",
      async prepare(url: string) {
        const client = new pg.Client({ connectionString: url });
        client.on("error", () => {});
        await client.connect();
        await client.query("create table leak_check (id int)");
        // deliberately never closed
      },
    };
    const database = await create(template);
    expect(await query(database.url, "select count(*)::int as n from leak_check")).toEqual([{ n: 0 }]);
  });

  it("rebuilds the template after a failed prepare()", async () => {
    let attempts = 0;
    const template = {
      key: "flaky",
      fingerprint: "v1",
      async prepare(url: string) {
        attempts++;
        if (attempts === 1) throw new Error("migration failed");
        await query(url, "create table flaky (id int)");
      },
    };
    await expect(create(template)).rejects.toThrow("migration failed");
    const database = await create(template);
    expect(attempts).toBe(2);
    expect(await query(database.url, "select count(*)::int as n from flaky")).toEqual([{ n: 0 }]);
  });

  it("keeps names within 63 bytes and distinguishes fingerprints", async () => {
    const key = "a very long template key ".repeat(10);
    const v1 = widgetTemplate(key);
    const v2 = widgetTemplate(key, "v2");
    const [d1, d2] = [await create(v1), await create(v2)];
    expect(Buffer.byteLength(d1.name)).toBeLessThanOrEqual(63);
    expect(v1.prepared + v2.prepared).toBe(2);
    expect(await databaseExists(d2.name)).toBe(true);
  });

  it("drop() removes the database, even with open connections", async () => {
    const database = await createTestDatabase({ template: widgetTemplate("isolation") });
    const open = new pg.Client({ connectionString: database.url });
    open.on("error", () => {});
    await open.connect();
    await database.drop();
    await database.drop();
    expect(await databaseExists(database.name)).toBe(false);
    await open.end().catch(() => {});
  });
});

describe("freePort", () => {
  it("returns a bindable port that is not one of the well-known service ports", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect([5432, 3306, 6379, 5672, 1883, 4222, 4369, 25672]).not.toContain(port);
  });
});
