import { randomUUID } from "node:crypto";
import { ConnectError } from "@connectrpc/connect";
import { Code, reasonOf } from "@cosafe/rpc";
import { createTestDatabase, type TestDatabase } from "@cosafe/testing";
import { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toConnectError } from "../src/api/error-translation.js";
import { ormConfig } from "../src/storage/orm-config.js";

// Issue 15: a database that cannot take one more connection is an honest UNAVAILABLE with a
// reason (the facade answers 503), never an internal error. The refusal here is PostgreSQL's
// own: a role whose connection limit is 0.

let database: TestDatabase;
const role = `cosafe_limited_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
let limitedUrl: string;

const admin = async <T>(run: (db: pg.Client) => Promise<T>): Promise<T> => {
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    return await run(db);
  } finally {
    await db.end();
  }
};

beforeAll(async () => {
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  await admin((db) => db.query(`create role ${role} login password 'limited' connection limit 0`));
  const url = new URL(database.url);
  url.username = role;
  url.password = "limited";
  limitedUrl = url.toString();
});

afterAll(async () => {
  await admin((db) => db.query(`drop role if exists ${role}`)).catch(() => {});
  await database?.drop();
});

describe("database out of connections", () => {
  it("a query PostgreSQL refuses with too many connections translates to UNAVAILABLE DATABASE_UNAVAILABLE", async () => {
    const orm = await MikroORM.init({ ...ormConfig(limitedUrl, { poolMax: 1 }), connect: false });
    try {
      const failure = await orm.em
        .fork()
        .execute("select 1")
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((failure as { code?: string }).code).toBe("53300");
      const translated = toConnectError(failure);
      expect(translated).toBeInstanceOf(ConnectError);
      const error = translated as ConnectError;
      expect([error.code, reasonOf(error)]).toEqual([Code.Unavailable, "DATABASE_UNAVAILABLE"]);
    } finally {
      await orm.close(true);
    }
  });

  it("a constraint or syntax error is not mistaken for an unavailable database", async () => {
    const orm = await MikroORM.init(ormConfig(database.url, { poolMax: 1 }));
    try {
      const failure = await orm.em
        .fork()
        .execute("select * from no_such_table")
        .catch((e: unknown) => e);
      expect(toConnectError(failure)).toBe(failure);
    } finally {
      await orm.close(true);
    }
  });
});
