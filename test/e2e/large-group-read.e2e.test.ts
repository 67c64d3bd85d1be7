import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, type Json, patchOp, type ScimHttp, uniqueName } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * A SCIM GET of a group larger than one member page (10,000) over HTTP on the whole stack:
 * GetGroup's first page, the rest through ListGroupMembers without totals, written as bytes by
 * the facade when nothing is projected, the general way when something is (issue 11, R25).
 */
let s: RunningStack;
let scim: ScimHttp;
let db: pg.Pool;
let groupId: string;
let members: { id: string; display: string }[];

const SIZE = 10_050;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
  db = new pg.Pool({ connectionString: s.database.url, max: 2 });
  const { rows } = await db.query<{ id: string; display_name: string }>(
    `insert into identity.app_user (id, tenant_id, user_name, display_name, active, managed_by, state)
     select gen_random_uuid(), $1, 'big-' || i || '@e2e.example',
            case when i % 3 = 0 then 'Zoë "Nord" \\ ' || i else 'Member ' || i end, true, 'SCIM', 'PROVISIONED'
       from generate_series(1, ${SIZE}) as i returning id, display_name`,
    [s.tenantId],
  );
  members = rows.map((r) => ({ id: r.id, display: r.display_name })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const created = await scim.post("/Groups", {
    schemas: [groupSchema],
    displayName: uniqueName("Everyone"),
    members: members.slice(0, 9_000).map((m) => ({ value: m.id })),
  });
  expect(created.status, created.text).toBe(201);
  groupId = String((created.body as Json).id);
  const added = await scim.patch(
    `/Groups/${groupId}`,
    patchOp({ op: "add", path: "members", value: members.slice(9_000).map((m) => ({ value: m.id })) }),
  );
  expect(added.status, added.text).toBe(204);
}, 180_000);

afterAll(async () => {
  await db?.end();
  await s?.stop();
});

describe("a group of more than one member page", () => {
  it("R25: GET shows all 10,050 members once, in order, each with value, display, type and $ref", async () => {
    const res = await scim.get(`/Groups/${groupId}`);
    expect(res.status, res.text).toBe(200);
    const shown = (res.body as { members: Json[] }).members;
    expect(shown).toHaveLength(SIZE);
    expect(shown).toEqual(
      members.map((m) => ({
        value: m.id,
        display: m.display,
        type: "User",
        $ref: `${scim.baseUrl}/Users/${m.id}`,
      })),
    );
    expect(res.body).toMatchObject({ id: groupId, meta: { resourceType: "Group" } });
  });

  it("R23: a projection of the members' sub-attributes reads the same members the general way", async () => {
    const res = await scim.get(`/Groups/${groupId}?attributes=members.value`);
    expect(res.status, res.text).toBe(200);
    expect((res.body as { members: Json[] }).members).toEqual(members.map((m) => ({ value: m.id })));
    const without = await scim.get(`/Groups/${groupId}?excludedAttributes=members`);
    expect(without.body).not.toHaveProperty("members");
  });
});
