import { create } from "@bufbuild/protobuf";
import { ActorType, Role, UserFilterSchema } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserQueries } from "../src/domain/user/user-queries.js";
import { userNameStartsWith as startsWith } from "./support/filters.js";
import {
  type GroupHarness,
  startGroupHarness,
  statementsOf,
  TenantKit,
  unique,
} from "./support/group-harness.js";

/**
 * Issue 11: a SCIM user read answers User.groups (`include_groups`) from the same statement as
 * the users, and exactly what ListGroupsOfUsers answers for those users: the memberships the
 * caller sees (R10), in (user id, group id) order, the first page of them.
 */
let h: GroupHarness;

beforeAll(async () => {
  h = await startGroupHarness();
});
afterAll(async () => h?.close());

/** Two SCIM users in SCIM groups and in a manual one, and a manual user in the manual group. */
async function population(t: TenantKit, prefix: string) {
  const a = await t.scimUser(`${prefix}-a`);
  const b = await t.scimUser(`${prefix}-b`);
  const manual = await t.manualUser(`${prefix}-m`);
  const g1 = await t.scimGroup([a, b]);
  const g2 = await t.scimGroup([a]);
  const mg = await t.manualGroup([manual, a]);
  return { a, b, manual, groups: [g1, g2, mg] };
}

const pairs = (groups: readonly { userId: string; groupId: string; display: string }[]) =>
  groups.map((g) => `${g.userId}/${g.groupId}/${g.display}`);

describe("User.groups read with the users (issue 11)", () => {
  it("R10 R23: GetUser and ListUsers with include_groups are one statement each and answer what ListGroupsOfUsers answers", async () => {
    const t = await TenantKit.create(h);
    const prefix = unique("ug");
    const { a, b, manual, groups } = await population(t, prefix);

    for (const who of [t.scim, t.admin]) {
      let got: Awaited<ReturnType<typeof h.users.getUser>> | undefined;
      const one = await statementsOf(h, async () => {
        got = await h.users.getUser({ tenantId: t.tenantId, userId: a, includeGroups: true }, who);
      });
      expect(one).toHaveLength(1);
      const expectedA = await h.groups.listGroupsOfUsers({ tenantId: t.tenantId, userIds: [a] }, who);
      expect(pairs(got?.groups ?? [])).toEqual(pairs(expectedA.groups));
      expect(got?.groups).toHaveLength(3);
      expect(got?.groupsNextPageToken).toBe("");

      let page: Awaited<ReturnType<typeof h.users.listUsers>> | undefined;
      const listed = await statementsOf(h, async () => {
        page = await h.users.listUsers(
          { tenantId: t.tenantId, filter: startsWith(prefix), pageSize: 100, includeGroups: true },
          who,
        );
      });
      expect(listed).toHaveLength(1);
      const ids = page?.users.map((u) => u.id) ?? [];
      expect([...ids].sort()).toEqual([a, b, manual].sort());
      const expected = await h.groups.listGroupsOfUsers({ tenantId: t.tenantId, userIds: ids }, who);
      expect(pairs(page?.groups ?? [])).toEqual(pairs(expected.groups));
      // R10: SCIM never sees the manual user's manual membership; an administrator does.
      expect(page?.groups.some((g) => g.userId === manual)).toBe(who === t.admin);
      expect(new Set(page?.groups.map((g) => g.groupId))).toEqual(new Set(groups.map((g) => g.id)));
    }
  });

  it("R23: the first page of groups stops at its limit in (user, group) order and says more follow; a cursor page's look-ahead row adds none", async () => {
    const t = await TenantKit.create(h);
    const prefix = unique("cap");
    const users = [
      await t.scimUser(`${prefix}-1`),
      await t.scimUser(`${prefix}-2`),
      await t.scimUser(`${prefix}-3`),
    ];
    await t.scimGroup(users);
    await t.scimGroup(users);
    const call: CallContext = {
      service: "test",
      actor: { type: ActorType.SCIM_TOKEN, id: "token", role: Role.SCIM, tenantId: t.tenantId },
      requestId: "req-cap",
    };
    const queries = new UserQueries(h.core.orm);
    const all = await h.groups.listGroupsOfUsers({ tenantId: t.tenantId, userIds: users }, t.scim);
    expect(all.groups).toHaveLength(6);

    const capped = await queries.list(call, t.tenantId, {
      filter: create(UserFilterSchema, startsWith(prefix)),
      page: { offset: 0, limit: 100 },
      groupsLimit: 3,
    });
    expect(capped.groups?.more).toBe(true);
    expect(pairs(capped.groups?.groups ?? [])).toEqual(pairs(all.groups.slice(0, 3)));

    const exact = await queries.list(call, t.tenantId, {
      filter: create(UserFilterSchema, startsWith(prefix)),
      page: { offset: 0, limit: 100 },
      groupsLimit: 6,
    });
    expect(exact.groups?.more).toBe(false);
    expect(pairs(exact.groups?.groups ?? [])).toEqual(pairs(all.groups));

    // A cursor page of 2 reads a third row to know that more follow: its groups are not the page's.
    const cursor = await queries.list(call, t.tenantId, {
      filter: create(UserFilterSchema, startsWith(prefix)),
      page: { offset: 0, limit: 0 },
      cursor: { limit: 2 },
      groupsLimit: 100,
    });
    const firstTwo = [...users].sort().slice(0, 2);
    expect(cursor.users.map((u) => u.id)).toEqual(firstTwo);
    expect(cursor.nextAfter).toBe(firstTwo[1]);
    expect(pairs(cursor.groups?.groups ?? [])).toEqual(
      pairs(all.groups.filter((g) => firstTwo.includes(g.userId))),
    );
    expect(cursor.groups?.more).toBe(false);
  });
});
