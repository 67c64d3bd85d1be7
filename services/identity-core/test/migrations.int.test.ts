import { createLogger } from "@cosafe/logging";
import { createTestDatabase, type TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdentityCore } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { migrationsList } from "../src/storage/migrations/index.js";
import { testCredential, testServiceRoles } from "./support/core-harness.js";

let database: TestDatabase;

beforeAll(async () => {
  // An empty database (no template content): the services themselves must migrate it.
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
});

afterAll(() => database?.drop());

describe("migrations at start-up", () => {
  it("three replicas starting together on an empty database apply each migration exactly once", async () => {
    const config = loadConfig({
      DATABASE_URL: database.url,
      IDENTITY_CORE_PORT: "0",
      COSAFE_SERVICE_CREDENTIALS: `${testCredential.service}:${testCredential.secret}`,
      COSAFE_SERVICE_ROLES: testServiceRoles,
    });
    const logger = createLogger({ service: "identity-core", level: "silent" });
    const replicas = await Promise.all([1, 2, 3].map(() => startIdentityCore(config, logger)));
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const applied = await client.query("select name from identity.mikro_orm_migrations order by id");
      await client.end();
      expect(applied.rows.map((r) => r.name)).toEqual(migrationsList.map((m) => m.name));
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });
});
