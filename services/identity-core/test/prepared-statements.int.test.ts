import { maxPreparedStatements, preparedStatementName } from "@cosafe/storage";
import type { TestDatabase } from "@cosafe/testing";
import { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundRows } from "../src/storage/bound-sql.js";
import { ormConfig } from "../src/storage/orm-config.js";
import { identityTestDatabase } from "./support/core-harness.js";

/**
 * Issue 11: the hot statements are named prepared statements, so PostgreSQL parses and plans
 * each text once per pooled connection instead of on every request (docs/performance.md).
 */
let database: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  database = await identityTestDatabase();
  orm = await MikroORM.init(ormConfig(database.url, { poolMax: 2 }));
});
afterAll(async () => {
  await orm?.close(true);
  await database?.drop();
});

const prepared = (em: MikroORM["em"]) =>
  boundRows<{ name: string; statement: string }>(
    em,
    "select name, statement from pg_prepared_statements order by name",
    [],
  );

describe("bound statements are prepared once per connection", () => {
  it("a bound statement runs under its name, with its values bound, and again from the same preparation", async () => {
    const text = "select count(*)::int as n from identity.tenant where id = ?::uuid or display_name = ?";
    await orm.em.fork().transactional(async (em) => {
      const first = await boundRows<{ n: number }>(em, text, [
        "00000000-0000-4000-8000-000000000000",
        "none",
      ]);
      const again = await boundRows<{ n: number }>(em, text, ["00000000-0000-4000-8000-000000000001", "x"]);
      expect(first).toEqual([{ n: 0 }]);
      expect(again).toEqual([{ n: 0 }]);
      const statements = await prepared(em);
      const ours = statements.filter((s) => s.statement.includes("identity.tenant where id = $1::uuid"));
      expect(ours).toHaveLength(1);
      expect(ours[0]?.name).toBe(preparedStatementName(text));
      expect(ours[0]?.name).toMatch(/^cosafe_\d+$/);
    });
  });

  it("different texts get different names; the same text always the same one", () => {
    const a = preparedStatementName("select 1 as a");
    const b = preparedStatementName("select 1 as b");
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a).not.toBe(b);
    expect(preparedStatementName("select 1 as a")).toBe(a);
  });

  it("a migration that adds a column under a prepared select * does not break the connections that prepared it", async () => {
    const single = await MikroORM.init(ormConfig(database.url, { poolMax: 1 }));
    try {
      await single.em
        .getConnection()
        .execute(
          "create table identity.prepared_probe (a int); insert into identity.prepared_probe values (1)",
        );
      const text = "select * from identity.prepared_probe where a = ?";
      expect(await boundRows(single, text, [1])).toEqual([{ a: 1 }]);
      await single.em
        .getConnection()
        .execute("alter table identity.prepared_probe add column c int default 3");
      // Outside a transaction: prepared again and answered at once, with the new columns.
      expect(await boundRows(single, text, [1])).toEqual([{ a: 1, c: 3 }]);
      await single.em
        .getConnection()
        .execute("alter table identity.prepared_probe add column d int default 4");
      // Inside one: that transaction fails, the next one is served.
      await expect(single.em.fork().transactional((em) => boundRows(em, text, [1]))).rejects.toThrow(
        /cached plan/,
      );
      const again = await single.em.fork().transactional((em) => boundRows(em, text, [1]));
      expect(again).toEqual([{ a: 1, c: 3, d: 4 }]);
    } finally {
      await single.close(true);
    }
  });

  it("past the cap a text runs unnamed, and still answers", async () => {
    for (let i = 0; i < maxPreparedStatements; i++) preparedStatementName(`select ${i} as filler`);
    const text = "select ?::int + 1 as n";
    expect(preparedStatementName(text)).toBeUndefined();
    const rows = await boundRows<{ n: number }>(orm, text, [41]);
    expect(rows).toEqual([{ n: 42 }]);
    await orm.em.fork().transactional(async (em) => {
      await boundRows(em, text, [1]);
      const statements = await prepared(em);
      expect(statements.some((s) => s.statement.includes("$1::int + 1"))).toBe(false);
    });
  });
});
