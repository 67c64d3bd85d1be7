import { randomUUID } from "node:crypto";
import { ConnectError } from "@connectrpc/connect";
import { Code, reasonOf } from "@cosafe/rpc";
import { createTestDatabase, type TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toConnectError } from "../src/api/error-translation.js";

// A licensing database that refuses one more connection is UNAVAILABLE DATABASE_UNAVAILABLE,
// which identity-core's seat ledger retries, never INTERNAL. The refusal is PostgreSQL's own:
// a role whose connection limit is 0.

let database: TestDatabase;
const role = `cosafe_lic_limited_${randomUUID().replaceAll("-", "").slice(0, 12)}`;

const admin = async (sql: string) => {
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
};

beforeAll(async () => {
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  await admin(`create role ${role} login password 'limited' connection limit 0`);
});

afterAll(async () => {
  await admin(`drop role if exists ${role}`).catch(() => {});
  await database?.drop();
});

describe("licensing database out of connections", () => {
  it("PostgreSQL's too-many-connections refusal translates to UNAVAILABLE DATABASE_UNAVAILABLE", async () => {
    const url = new URL(database.url);
    url.username = role;
    url.password = "limited";
    const client = new pg.Client({ connectionString: url.toString() });
    const failure = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.end().catch(() => {});
    expect((failure as { code?: string }).code).toBe("53300");
    const error = toConnectError(failure) as ConnectError;
    expect(error).toBeInstanceOf(ConnectError);
    expect([error.code, reasonOf(error)]).toEqual([Code.Unavailable, "DATABASE_UNAVAILABLE"]);
  });

  it("any other failure passes through unchanged", () => {
    const other = new Error("something else");
    expect(toConnectError(other)).toBe(other);
  });
});
