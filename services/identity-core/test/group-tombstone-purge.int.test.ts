import { createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { GroupService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupTombstonePurge } from "../src/domain/group/tombstone-purge.js";
import { ormConfig } from "../src/storage/orm-config.js";
import {
  adminActor,
  as,
  type CoreHarness,
  scimActor,
  startCoreHarness,
  testCredential,
} from "./support/core-harness.js";

let h: CoreHarness;
let db: pg.Client;
let orm: MikroORM;

beforeAll(async () => {
  h = await startCoreHarness();
  db = new pg.Client({ connectionString: h.database.url });
  await db.connect();
  orm = await MikroORM.init(ormConfig(h.database.url, { poolMax: 2 }));
});

afterAll(async () => {
  await orm?.close();
  await db?.end();
  await h?.close();
});

describe("R18: group tombstones are kept for a configurable time", () => {
  it("R18: a tombstone older than the retention is removed; a younger one keeps answering GROUP_DELETED_IN_ADMIN_PANEL", async () => {
    const groups = createClient(
      GroupService,
      createServiceTransport({ baseUrl: h.url, credential: testCredential }),
    );
    const tenantId = await h.newTenant();
    const make = async (name: string) => {
      const { group } = await groups.createGroup(
        { tenantId, group: { displayName: name } },
        as(adminActor(tenantId)),
      );
      await groups.deleteGroup({ tenantId, groupId: group?.id ?? "" }, as(adminActor(tenantId)));
      return group?.id ?? "";
    };
    const old = await make("Old tombstone");
    const recent = await make("Recent tombstone");
    await db.query("update identity.app_group set deleted_at = now() - interval '91 days' where id = $1", [
      old,
    ]);
    await db.query("update identity.app_group set deleted_at = now() - interval '89 days' where id = $1", [
      recent,
    ]);

    const result = await new GroupTombstonePurge(
      orm,
      createLogger({ service: "test", level: "silent" }),
    ).runOnce();
    expect(result).toEqual({ ran: true, deleted: 1 });
    const left = await db.query("select id from identity.app_group where id = any($1::uuid[])", [
      [old, recent],
    ]);
    expect(left.rows.map((r) => r.id)).toEqual([recent]);
    const stillTombstone = await groups
      .getGroup({ tenantId, groupId: recent }, as(scimActor(tenantId)))
      .catch((e: Error) => e);
    expect(String(stillTombstone)).toMatch(/deleted in the Cosafe admin panel/);
  });

  it("R18: live groups are never purged and the retention is configurable", async () => {
    const groups = createClient(
      GroupService,
      createServiceTransport({ baseUrl: h.url, credential: testCredential }),
    );
    const tenantId = await h.newTenant();
    const { group: live } = await groups.createGroup(
      { tenantId, group: { displayName: "Live" } },
      as(adminActor(tenantId)),
    );
    await db.query("update identity.app_group set created_at = now() - interval '400 days' where id = $1", [
      live?.id,
    ]);
    const { group: gone } = await groups.createGroup(
      { tenantId, group: { displayName: "Gone" } },
      as(adminActor(tenantId)),
    );
    await groups.deleteGroup({ tenantId, groupId: gone?.id ?? "" }, as(adminActor(tenantId)));
    await db.query("update identity.app_group set deleted_at = now() - interval '8 days' where id = $1", [
      gone?.id,
    ]);
    const purge = new GroupTombstonePurge(orm, createLogger({ service: "test", level: "silent" }), {
      retentionDays: 7,
    });
    expect((await purge.runOnce()).deleted).toBeGreaterThanOrEqual(1);
    const rows = await db.query("select id from identity.app_group where id = any($1::uuid[])", [
      [live?.id, gone?.id],
    ]);
    expect(rows.rows.map((r) => r.id)).toEqual([live?.id]);
  });
});
