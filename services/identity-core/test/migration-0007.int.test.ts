import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@cosafe/testing";
import { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ormConfig } from "../src/storage/orm-config.js";

// Issue 12, migration 0007 (docs/adr/0012): users the identity provider created before the
// migration get idp_created_at from their user.created audit event of role SCIM; users
// created by an administrator or the import, and manual users the IdP adopted later, do not.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
});

afterAll(() => database?.drop());

describe("migration 0007", () => {
  it("backfills idp_created_at only for users the IdP created, and adds the young-user age", async () => {
    const orm = await MikroORM.init(ormConfig(database.url, { poolMax: 2 }));
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query("create schema if not exists identity");
      await orm.getMigrator().up({ to: "Migration0006DeprovisionBrake" });
      const tenant = randomUUID();
      await db.query("insert into identity.tenant (id, display_name) values ($1, 'Old Customer')", [tenant]);
      await db.query("insert into identity.deprovision_brake (tenant_id, percent) values ($1, 30)", [tenant]);
      const users = { byIdp: randomUUID(), adopted: randomUUID(), manual: randomUUID() };
      for (const [name, id] of Object.entries(users))
        await db.query(
          `insert into identity.app_user (id, tenant_id, user_name, display_name, active, managed_by, state, created_at)
           values ($1, $2, $3, $3, true, $4, 'PROVISIONED', now() - interval '3 days')`,
          [id, tenant, `${name}@old.example`, name === "manual" ? "MANUAL" : "SCIM"],
        );
      const created = (id: string, role: string) =>
        db.query(
          `insert into identity.audit_event (tenant_id, actor_type, actor_id, actor_role, action, target_type, target_id, request_id)
           values ($1, 'SERVICE', 'x', $2, 'user.created', 'user', $3, 'r')`,
          [tenant, role, id],
        );
      await created(users.byIdp, "SCIM");
      await created(users.adopted, "ADMIN");
      await created(users.manual, "ADMIN");

      const applied = await orm.getMigrator().up({ to: "Migration0007BrakeYoungUsers" });
      expect(applied.map((m) => m.name)).toEqual(["Migration0007BrakeYoungUsers"]);

      const { rows } = await db.query<{ id: string; backfilled: boolean }>(
        "select id, idp_created_at = created_at as backfilled from identity.app_user where tenant_id = $1",
        [tenant],
      );
      const byId = Object.fromEntries(rows.map((r) => [r.id, r.backfilled]));
      expect(byId).toEqual({ [users.byIdp]: true, [users.adopted]: null, [users.manual]: null });
      const { rows: brake } = await db.query(
        "select percent, young_user_seconds from identity.deprovision_brake where tenant_id = $1",
        [tenant],
      );
      expect(brake).toEqual([{ percent: 30, young_user_seconds: 86400 }]);
    } finally {
      await db.end();
      await orm.close();
    }
  });
});
