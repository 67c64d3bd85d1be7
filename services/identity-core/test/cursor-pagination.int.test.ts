import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code,
  expectError,
  type GroupHarness,
  rejection,
  startGroupHarness,
  statementsOf,
  TenantKit,
} from "./support/group-harness.js";

/**
 * Cursor pagination (RFC 9865) of ListUsers and ListGroups: keyset pages by id, so every
 * page sends the same statements — no OFFSET, flat in depth — and a walk sees each row once.
 */
let h: GroupHarness;
let t: TenantKit;

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
});

afterAll(async () => {
  await h?.close();
});

const shape = (sql: string) =>
  sql
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\b\d+\b/g, "?")
    .replace(/\s+/g, " ");

describe("cursor pagination", () => {
  it("a ListUsers cursor walk sees every user once; deeper pages run the same statements, without OFFSET", async () => {
    const ids = await t.seedUsers(2_500);
    const seen: string[] = [];
    const statements: string[][] = [];
    let cursor = "";
    do {
      let next = "";
      statements.push(
        await statementsOf(h, async () => {
          const page = await h.users.listUsers({ tenantId: t.tenantId, pageSize: 1000, cursor }, t.scim);
          expect(page.totalSize).toBe(2_500);
          expect(page.nextPageToken).toBe("");
          seen.push(...page.users.map((u) => u.id));
          next = page.nextCursor;
        }),
      );
      cursor = next;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(statements).toHaveLength(3);
    // Page 2 and page 3 (deeper) send the same statements; every later page would too.
    const [, second, last] = statements;
    expect(last?.map(shape)).toEqual(second?.map(shape));
    expect(statements.flat().filter((s) => /\boffset\b/i.test(s))).toEqual([]);
  });

  it("ListGroups walks by cursor too; a cursor with sorting or skip, or a foreign one, is INVALID_ARGUMENT", async () => {
    const groups = [await t.scimGroup(), await t.scimGroup(), await t.scimGroup()].map((g) => g.id).sort();
    const first = await h.groups.listGroups({ tenantId: t.tenantId, pageSize: 2, cursor: "" }, t.scim);
    const second = await h.groups.listGroups(
      { tenantId: t.tenantId, pageSize: 2, cursor: first.nextCursor },
      t.scim,
    );
    expect([...first.groups, ...second.groups].map((g) => g.id)).toEqual(groups);
    expect(second.nextCursor).toBe("");

    expectError(
      await rejection(h.users.listUsers({ tenantId: t.tenantId, pageSize: 1, cursor: "nope" }, t.scim)),
      Code.InvalidArgument,
      "CURSOR_INVALID",
    );
    expectError(
      await rejection(
        h.users.listUsers({ tenantId: t.tenantId, pageSize: 1, cursor: "", orderBy: { field: 2 } }, t.scim),
      ),
      Code.InvalidArgument,
      "CURSOR_WITH_SORT",
    );
    expectError(
      await rejection(
        h.groups.listGroups({ tenantId: t.tenantId, pageSize: 1, cursor: "", skip: 3 }, t.scim),
      ),
      Code.InvalidArgument,
      "CURSOR_WITH_SORT",
    );
  });
});
