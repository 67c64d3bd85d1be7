import { createLogger } from "@cosafe/logging";
import { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeFeedPurge } from "../src/domain/changes/change-feed-purge.js";
import { ormConfig } from "../src/storage/orm-config.js";
import { as, type CoreHarness, scimActor, startCoreHarness } from "./support/core-harness.js";

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

describe("R22b: change-feed retention", () => {
  it("R22b: events older than the retention are purged, recent ones stay", async () => {
    const tenantId = await h.newTenant();
    const make = async (userName: string) =>
      (await h.users.createUser({ tenantId, user: { userName } }, as(scimActor(tenantId)))).user?.id ?? "";
    const old = await make("old-event@x.test");
    const recent = await make("recent-event@x.test");
    await db.query(
      "update identity.change_event set created_at = now() - interval '8 days' where user_id = $1",
      [old],
    );
    const result = await new ChangeFeedPurge(
      orm,
      createLogger({ service: "test", level: "silent" }),
    ).runOnce();
    expect(result.ran).toBe(true);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    const left = await db.query("select user_id from identity.change_event where user_id = any($1::uuid[])", [
      [old, recent],
    ]);
    expect(left.rows.map((r) => r.user_id)).toEqual([recent]);
  });
});
