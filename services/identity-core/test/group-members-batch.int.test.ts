import { randomUUID } from "node:crypto";
import { FilterOperator, UserField } from "@cosafe/proto/identity";
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
 * ListMembersOfGroups (issue 16): a SCIM list page that shows members reads them for the
 * whole page in one call, keyset-paged, with the visibility of ListGroupMembers (R10);
 * ListGroupsOfUsers does the same for SCIM's User.groups, and users filter by group id.
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

describe("ListMembersOfGroups", () => {
  it("R10/R25: members of several groups in (group, user) order, in keyset pages that together show each membership once", async () => {
    const users = await t.seedUsers(5);
    const manual = await t.manualUser();
    const g1 = await t.scimGroup(users.slice(0, 3));
    const g2 = await t.scimGroup(users.slice(2, 5));
    const empty = await t.scimGroup();
    await t.addMembers(g1.id, [manual], "admin"); // manual membership of a manual user: invisible to SCIM
    const other = await TenantKit.create(h);
    const foreign = await other.scimGroup([await other.scimUser()]);

    const groupIds = [g1.id, g2.id, empty.id, foreign.id, "not-a-uuid"];
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await h.groups.listMembersOfGroups(
        { tenantId: t.tenantId, groupIds, pageSize: 2, pageToken },
        t.scim,
      );
      expect(page.members.length).toBeLessThanOrEqual(2);
      seen.push(...page.members.map((m) => `${m.groupId}/${m.member?.userId}`));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);

    const expected = [
      ...users.slice(0, 3).map((u) => `${g1.id}/${u}`),
      ...users.slice(2, 5).map((u) => `${g2.id}/${u}`),
    ].sort();
    expect(seen).toEqual(expected);
    expect(pages).toBe(3);
    // An administrator sees the manual membership too.
    const admin = await h.groups.listMembersOfGroups({ tenantId: t.tenantId, groupIds: [g1.id] }, t.admin);
    expect(admin.members.map((m) => m.member?.userId).sort()).toEqual([...users.slice(0, 3), manual].sort());
  });

  it("R25: one page costs the same statements whatever the groups' sizes", async () => {
    const small = await t.scimGroup(await t.seedUsers(3));
    const big = await t.scimGroup(await t.seedUsers(2_000));
    const cost = (groupId: string) =>
      statementsOf(h, () =>
        h.groups.listMembersOfGroups({ tenantId: t.tenantId, groupIds: [groupId], pageSize: 2 }, t.scim),
      );
    expect((await cost(big.id)).length).toBe((await cost(small.id)).length);
  });

  it("refuses a foreign page token and more than 1000 group ids", async () => {
    expectError(
      await rejection(
        h.groups.listMembersOfGroups({ tenantId: t.tenantId, groupIds: [], pageToken: "x" }, t.scim),
      ),
      Code.InvalidArgument,
      "PAGE_TOKEN_INVALID",
    );
    const many = Array.from({ length: 1001 }, () => randomUUID());
    expectError(
      await rejection(h.groups.listMembersOfGroups({ tenantId: t.tenantId, groupIds: many }, t.scim)),
      Code.InvalidArgument,
      "TOO_MANY_GROUPS",
    );
  });
});

describe("ListGroupsOfUsers and the groups.value user filter (User.groups)", () => {
  it("R10: the groups of several users in (user, group) pages; manual memberships of manual users stay invisible to SCIM", async () => {
    const [a, b] = [await t.scimUser(), await t.scimUser()];
    const manual = await t.manualUser();
    const g1 = await t.scimGroup([a, b]);
    const g2 = await t.scimGroup([a]);
    const manualGroup = await t.manualGroup([manual]);
    const gone = await t.scimGroup([b]);
    await t.deleteGroup(gone.id, "admin"); // R18: a tombstone has no memberships and is no group of b
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await h.groups.listGroupsOfUsers(
        { tenantId: t.tenantId, userIds: [a, b, manual], pageSize: 1, pageToken },
        t.scim,
      );
      seen.push(...page.groups.map((g) => `${g.userId}/${g.groupId}/${g.display}`));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(
      [
        `${a}/${g1.id}/${g1.displayName}`,
        `${a}/${g2.id}/${g2.displayName}`,
        `${b}/${g1.id}/${g1.displayName}`,
      ].sort(),
    );
    const admin = await h.groups.listGroupsOfUsers({ tenantId: t.tenantId, userIds: [manual] }, t.admin);
    expect(admin.groups.map((g) => g.groupId)).toEqual([manualGroup.id]);
  });

  it("R10: users filter by a group they are in (SCIM groups.value eq), with SCIM's visibility", async () => {
    const [a, b] = [await t.scimUser(), await t.scimUser()];
    const manual = await t.manualUser();
    const group = await t.scimGroup([a, b]);
    await t.addMembers(group.id, [manual], "admin");
    const byGroup = (who: "scim" | "admin") =>
      h.users.listUsers(
        {
          tenantId: t.tenantId,
          pageSize: 100,
          filter: {
            expression: {
              case: "condition",
              value: {
                field: UserField.GROUP_ID,
                operator: FilterOperator.EQUAL,
                value: { kind: { case: "stringValue", value: group.id } },
              },
            },
          },
        },
        who === "scim" ? t.scim : t.admin,
      );
    expect((await byGroup("scim")).users.map((u) => u.id).sort()).toEqual([a, b].sort());
    expect((await byGroup("admin")).users.map((u) => u.id).sort()).toEqual([a, b, manual].sort());
  });
});
