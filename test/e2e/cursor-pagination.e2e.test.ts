import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, type ScimHttp, uniqueName } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * Cursor pagination (RFC 9865) on /Users and /Groups over HTTP on the whole stack: a
 * 10,000-user walk sees every user exactly once, in keyset pages that stay flat in depth.
 */
let s: RunningStack;
let scim: ScimHttp;
let db: pg.Pool;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
  db = new pg.Pool({ connectionString: s.database.url, max: 2 });
}, 120_000);

afterAll(async () => {
  await db?.end();
  await s?.stop();
});

interface Page {
  totalResults: number;
  itemsPerPage: number;
  startIndex?: number;
  nextCursor?: string;
  Resources: { id: string }[];
}

async function walk(resource: "Users" | "Groups", count: number, extra = "") {
  const seen: string[] = [];
  let cursor = "";
  let pages = 0;
  let total = -1;
  for (;;) {
    const res = await scim.get(
      `/${resource}?cursor=${encodeURIComponent(cursor)}&count=${count}&excludedAttributes=groups,members${extra}`,
    );
    expect(res.status, res.text).toBe(200);
    const page = res.body as Page;
    expect(page.startIndex).toBeUndefined();
    expect(page.itemsPerPage).toBe(page.Resources.length);
    total = page.totalResults;
    seen.push(...page.Resources.map((r) => r.id));
    pages++;
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { seen, pages, total };
}

describe("cursor pagination (RFC 9865)", () => {
  it("a 10,000-user cursor walk sees every user exactly once, in pages of 1,000", async () => {
    const { rows } = await db.query<{ id: string }>(
      `insert into identity.app_user (id, tenant_id, user_name, display_name, active, managed_by, state)
       select gen_random_uuid(), $1, 'cursor-' || i || '@e2e.example', 'Cursor ' || i, true, 'SCIM', 'PROVISIONED'
         from generate_series(1, 10000) as i returning id`,
      [s.tenantId],
    );
    expect(rows).toHaveLength(10_000);
    const { seen, pages, total } = await walk("Users", 1000);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    expect(seen).toEqual(expect.arrayContaining(rows.map((r) => r.id)));
    expect(pages).toBe(Math.ceil(total / 1000));
    // Filters combine with cursors.
    const filtered = await scim.get(
      `/Users?cursor=&count=5&filter=${encodeURIComponent('userName sw "cursor-1"')}`,
    );
    expect(filtered.status, filtered.text).toBe(200);
    expect(filtered.body.Resources).toHaveLength(5);
    expect(filtered.body.nextCursor).toEqual(expect.any(String));
  }, 300_000);

  it("groups walk by cursor too; a foreign cursor is 400 invalidCursor; cursor with startIndex is 400", async () => {
    for (let i = 0; i < 5; i++)
      await scim.create("Groups", { schemas: [groupSchema], displayName: uniqueName("Cursor group") });
    const { seen, total } = await walk("Groups", 2);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);

    const bad = await scim.get("/Users?cursor=not-a-cursor");
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe("invalidCursor");
    const mixed = await scim.get("/Users?cursor=&startIndex=2");
    expect(mixed.status).toBe(400);
    const sorted = await scim.get("/Users?cursor=&sortBy=userName");
    expect(sorted.status).toBe(400);
  });

  it("ServiceProviderConfig advertises cursor and index pagination", async () => {
    const res = await scim.get("/ServiceProviderConfig");
    expect(res.body.pagination).toMatchObject({ cursor: true, index: true, maxPageSize: 1000 });
  });
});
