import { FilterOperator, GroupField, type GroupFilter } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountsOf,
  auditCount,
  Code,
  expectError,
  type GroupHarness,
  groupRow,
  holdingUsers,
  lockWaiters,
  membershipsOf,
  rejection,
  startGroupHarness,
  TenantKit,
  unique,
  userRow,
} from "./support/group-harness.js";

let h: GroupHarness;
let t: TenantKit;

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
});

afterAll(async () => {
  await h?.close();
});

const condition = (field: GroupField, value: string, operator = FilterOperator.EQUAL): GroupFilter =>
  ({
    expression: {
      case: "condition",
      value: { field, operator, value: { kind: { case: "stringValue", value } } },
    },
  }) as GroupFilter;

async function listIds(filter: GroupFilter, who: "scim" | "admin" = "scim"): Promise<string[]> {
  const { groups, totalSize } = await h.groups.listGroups(
    { tenantId: t.tenantId, filter, pageSize: 100 },
    who === "scim" ? t.scim : t.admin,
  );
  expect(totalSize).toBe(groups.length);
  return groups.map((g) => g.id).sort();
}

describe("R10 what SCIM sees of a group", () => {
  it("R10: manual users' manual memberships are invisible to SCIM reads and member filters; SCIM users' manual ones are visible", async () => {
    const manualUser = await t.manualUser();
    const scimUser = await t.scimUser();
    const scimUserManualMembership = await t.scimUser();
    const group = await t.scimGroup([scimUser]);
    await t.addMembers(group.id, [manualUser, scimUserManualMembership], "admin");

    expect(await t.memberIds(group.id, "scim")).toEqual([scimUser, scimUserManualMembership].sort());
    expect(await t.memberIds(group.id, "admin")).toEqual(
      [manualUser, scimUser, scimUserManualMembership].sort(),
    );
    const { totalSize } = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: group.id, pageSize: 0 },
      t.scim,
    );
    expect(totalSize).toBe(2);

    expect(await listIds(condition(GroupField.MEMBER_USER_ID, manualUser), "scim")).toEqual([]);
    expect(await listIds(condition(GroupField.MEMBER_USER_ID, manualUser), "admin")).toEqual([group.id]);
    expect(await listIds(condition(GroupField.MEMBER_USER_ID, scimUserManualMembership), "scim")).toEqual([
      group.id,
    ]);
  });

  it("R10: SCIM remove, replace and DELETE never change manual users' manual memberships", async () => {
    const manualUser = await t.manualUser();
    const scimUser = await t.scimUser();
    const keep = await t.scimUser();
    const group = await t.scimGroup([scimUser, keep]);
    await t.addMembers(group.id, [manualUser], "admin");
    const otherGroup = await t.scimGroup([keep]);

    const removed = await t.removeMembers(group.id, [manualUser]);
    expect(removed.removedUserIds).toEqual([]);
    const replaced = await t.replaceMembers(group.id, [keep]);
    expect(replaced.removedUserIds).toEqual([scimUser]);
    expect(await membershipsOf(h.db, manualUser)).toEqual([`${group.id}:MANUAL:ACTIVE`]);
    // R12 is not triggered by a removal: the manual user is still manual.
    expect(await userRow(h.db, manualUser)).toMatchObject({ managed_by: "MANUAL", state: "PROVISIONED" });

    const { deprovisionedUserIds } = await t.deleteGroup(group.id);
    expect(deprovisionedUserIds).toEqual([]);
    // Only the group itself is gone.
    expect(await membershipsOf(h.db, manualUser)).toEqual([]);
    expect(await userRow(h.db, manualUser)).toMatchObject({ managed_by: "MANUAL", state: "PROVISIONED" });
    expect(await accountsOf(h.db, manualUser)).toEqual([t.mainAccountId]);
    expect(await membershipsOf(h.db, keep)).toEqual([`${otherGroup.id}:SCIM:ACTIVE`]);
  });
});

describe("R11 the IdP takes control per user", () => {
  it("R11: an IdP add of a SCIM user with a manual membership turns it SCIM-sourced; a manual user is adopted first (R12)", async () => {
    const scimUser = await t.scimUser();
    const manualUser = await t.manualUser();
    const group = await t.scimGroup();
    await t.addMembers(group.id, [scimUser, manualUser], "admin");
    expect(await membershipsOf(h.db, scimUser)).toEqual([`${group.id}:MANUAL:ACTIVE`]);

    const { addedUserIds } = await t.addMembers(group.id, [scimUser, manualUser]);

    expect([...addedUserIds].sort()).toEqual([scimUser, manualUser].sort());
    expect(await membershipsOf(h.db, scimUser)).toEqual([`${group.id}:SCIM:ACTIVE`]);
    expect(await membershipsOf(h.db, manualUser)).toEqual([`${group.id}:SCIM:ACTIVE`]);
    expect(await userRow(h.db, manualUser)).toMatchObject({ managed_by: "SCIM" });
    expect(await auditCount(h.db, "user.adopted", manualUser)).toBe(1);
    // Adding again changes nothing.
    expect((await t.addMembers(group.id, [scimUser, manualUser])).addedUserIds).toEqual([]);
  });

  it("R11: a manual group becomes SCIM-linked on the IdP's first write, not on a read or a filter; its manual users stay untouched", async () => {
    const manualUser = await t.manualUser();
    const scimUser = await t.scimUser();
    const name = unique("Crisis Team");
    const group = await t.manualGroup([manualUser], name);
    expect(group.scimLinked).toBe(false);

    await h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim);
    expect(await listIds(condition(GroupField.DISPLAY_NAME, name))).toEqual([group.id]);
    expect(await listIds(condition(GroupField.MEMBER_USER_ID, manualUser))).toEqual([]);
    await t.memberIds(group.id, "scim");
    expect((await groupRow(h.db, group.id))?.scim_linked).toBe(false);
    expect(await auditCount(h.db, "group.linked", group.id)).toBe(0);

    await t.addMembers(group.id, [scimUser]);

    expect((await groupRow(h.db, group.id))?.scim_linked).toBe(true);
    expect(await auditCount(h.db, "group.linked", group.id)).toBe(1);
    expect(await membershipsOf(h.db, manualUser)).toEqual([`${group.id}:MANUAL:ACTIVE`]);
    expect(await userRow(h.db, manualUser)).toMatchObject({ managed_by: "MANUAL" });
    const { group: read } = await h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.admin);
    expect(read?.scimLinked).toBe(true);
  });

  it("R11: ten parallel first IdP writes to a manual group all succeed and link it once", async () => {
    const group = await t.manualGroup();
    const users = await t.seedUsers(10);
    await Promise.all(users.map((u) => t.addMembers(group.id, [u])));
    expect(await t.memberIds(group.id)).toEqual(users);
    expect(await auditCount(h.db, "group.linked", group.id)).toBe(1);
  });

  it("R11: an IdP removal or update also links a manual group", async () => {
    const byRemoval = await t.manualGroup();
    const byUpdate = await t.manualGroup();
    await t.removeMembers(byRemoval.id, [await t.scimUser()]);
    await h.groups.updateGroup(
      {
        tenantId: t.tenantId,
        group: { id: byUpdate.id, externalId: unique("ext") },
        updateMask: { paths: ["external_id"] },
      },
      t.scim,
    );
    expect((await groupRow(h.db, byRemoval.id))?.scim_linked).toBe(true);
    expect((await groupRow(h.db, byUpdate.id))?.scim_linked).toBe(true);
  });
});

describe("R13 externalId and displayName uniqueness", () => {
  it("R13: a group's externalId is unique per tenant (ALREADY_EXISTS GROUP_EXTERNAL_ID_TAKEN), also in another tenant's absence", async () => {
    const externalId = unique("grp-ext");
    await h.groups.createGroup(
      { tenantId: t.tenantId, group: { displayName: unique("A"), externalId } },
      t.scim,
    );
    const error = await rejection(
      h.groups.createGroup({ tenantId: t.tenantId, group: { displayName: unique("B"), externalId } }, t.scim),
    );
    expectError(error, Code.AlreadyExists, "GROUP_EXTERNAL_ID_TAKEN");
    // An administrator setting it on a manual group clashes too.
    const manual = await t.manualGroup();
    const byAdmin = await rejection(
      h.groups.updateGroup(
        {
          tenantId: t.tenantId,
          group: { id: manual.id, externalId },
          updateMask: { paths: ["external_id"] },
        },
        t.admin,
      ),
    );
    expectError(byAdmin, Code.AlreadyExists, "GROUP_EXTERNAL_ID_TAKEN");
    // Another tenant may use it.
    const other = await TenantKit.create(h);
    await h.groups.createGroup(
      { tenantId: other.tenantId, group: { displayName: unique("A"), externalId } },
      other.scim,
    );
  });

  it("R13: twenty parallel IdP creates of one externalId give exactly one group", async () => {
    const externalId = unique("parallel-ext");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        h.groups.createGroup(
          { tenantId: t.tenantId, group: { displayName: `${externalId}-${i}`, externalId } },
          t.scim,
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === "rejected") expectError(o.reason, Code.AlreadyExists, "GROUP_EXTERNAL_ID_TAKEN");
    }
    const { rows } = await h.db.query(
      "select count(*)::int as n from identity.app_group where external_id = $1",
      [externalId],
    );
    expect(rows[0].n).toBe(1);
  });

  it("R13: a linked displayName is unique case-insensitively, also under concurrency (ALREADY_EXISTS GROUP_NAME_TAKEN)", async () => {
    const name = unique("Entra Group");
    await t.scimGroup([], name);
    const error = await rejection(t.scimGroup([], name.toUpperCase()));
    expectError(error, Code.AlreadyExists, "GROUP_NAME_TAKEN");

    const raced = unique("Raced Group");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => t.scimGroup([], i % 2 ? raced : raced.toLowerCase())),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === "rejected") expectError(o.reason, Code.AlreadyExists, "GROUP_NAME_TAKEN");
    }
  });

  it("R13: manual groups may share a name with each other and with a linked group", async () => {
    const name = unique("Shared Name");
    const linked = await t.scimGroup([], name);
    const m1 = await t.manualGroup([], name);
    const m2 = await t.manualGroup([], name.toLowerCase());
    // displayName eq returns every match, case-insensitively.
    expect(await listIds(condition(GroupField.DISPLAY_NAME, name))).toEqual([linked.id, m1.id, m2.id].sort());
    expect(await listIds(condition(GroupField.DISPLAY_NAME, name.toUpperCase()), "admin")).toEqual(
      [linked.id, m1.id, m2.id].sort(),
    );
  });

  it("R13: an IdP write that would link a manual group whose name a linked group holds answers 409 naming that group", async () => {
    const name = unique("Clash");
    const linked = await t.scimGroup([], name);
    const manual = await t.manualGroup([], name.toLowerCase());
    const user = await t.scimUser();

    const error = await rejection(t.addMembers(manual.id, [user]));

    expectError(error, Code.AlreadyExists, "GROUP_NAME_TAKEN");
    expect(error.rawMessage).toContain(linked.id);
    expect((await groupRow(h.db, manual.id))?.scim_linked).toBe(false);
    expect(await membershipsOf(h.db, user)).toEqual([]);

    // An IdP update that renames the manual group to a free name links it.
    const renamed = unique("Clash Renamed");
    const { group } = await h.groups.updateGroup(
      {
        tenantId: t.tenantId,
        group: { id: manual.id, displayName: renamed },
        updateMask: { paths: ["display_name"] },
      },
      t.scim,
    );
    expect(group).toMatchObject({ displayName: renamed, scimLinked: true });
  });

  it("R13: renaming a linked group onto another linked group's name is refused", async () => {
    const a = await t.scimGroup();
    const b = await t.scimGroup();
    for (const actor of [t.scim, t.admin]) {
      const error = await rejection(
        h.groups.updateGroup(
          {
            tenantId: t.tenantId,
            group: { id: b.id, displayName: a.displayName.toUpperCase() },
            updateMask: { paths: ["display_name"] },
          },
          actor,
        ),
      );
      expectError(error, Code.AlreadyExists, "GROUP_NAME_TAKEN");
      expect(error.rawMessage).toContain(a.id);
    }
  });

  it("R13: filters by externalId eq (case-exact) and displayName eq return every match", async () => {
    const externalId = unique("Filter-Ext");
    const { group } = await h.groups.createGroup(
      { tenantId: t.tenantId, group: { displayName: unique("F"), externalId } },
      t.scim,
    );
    expect(await listIds(condition(GroupField.EXTERNAL_ID, externalId))).toEqual([group?.id]);
    expect(await listIds(condition(GroupField.EXTERNAL_ID, externalId.toLowerCase()))).toEqual([]);
    expect(await listIds(condition(GroupField.DISPLAY_NAME, unique("nobody")))).toEqual([]);
  });
});

describe("R22 failed group mutations", () => {
  it("R22: an IdP add that fails on one unknown member leaves no membership, link, adoption, audit or change event", async () => {
    const manualUser = await t.manualUser();
    const group = await t.manualGroup();
    const counts = async () => {
      const { rows } = await h.db.query(
        `select (select count(*) from identity.audit_event where target_id = $1::text or target_id = $2::text)::int as audit,
                (select count(*) from identity.change_event where group_id = $1::uuid or user_id = $2::uuid)::int as events,
                (select count(*) from identity.group_membership where group_id = $1::uuid)::int as memberships`,
        [group.id, manualUser],
      );
      return rows[0];
    };
    const before = await counts();

    const error = await rejection(
      t.addMembers(group.id, [manualUser, "00000000-0000-4000-8000-0000000000aa"]),
    );

    expectError(error, Code.NotFound, "MEMBER_NOT_FOUND");
    expect(await counts()).toEqual(before);
    expect((await groupRow(h.db, group.id))?.scim_linked).toBe(false);
    expect(await userRow(h.db, manualUser)).toMatchObject({ managed_by: "MANUAL" });
  });
});

describe("group lists", () => {
  it("R10: member filters combine with and/or/not in SQL, in the caller's view, with exact totals and stable pages", async () => {
    const manualUser = await t.manualUser();
    const scimUser = await t.scimUser();
    const prefix = unique("Combo");
    const withScim = await t.scimGroup([scimUser], `${prefix} A`);
    const withManual = await t.manualGroup([manualUser], `${prefix} B`);
    const empty = await t.scimGroup([], `${prefix} C`);
    const named = condition(GroupField.DISPLAY_NAME, prefix, FilterOperator.STARTS_WITH);
    const and = (...filters: GroupFilter[]): GroupFilter =>
      ({ expression: { case: "and", value: { filters } } }) as GroupFilter;
    const or = (...filters: GroupFilter[]): GroupFilter =>
      ({ expression: { case: "or", value: { filters } } }) as GroupFilter;
    const not = (filter: GroupFilter): GroupFilter =>
      ({ expression: { case: "not", value: filter } }) as GroupFilter;
    const members = or(
      condition(GroupField.MEMBER_USER_ID, scimUser),
      condition(GroupField.MEMBER_USER_ID, manualUser),
    );

    expect(await listIds(and(named, members), "scim")).toEqual([withScim.id]);
    expect(await listIds(and(named, members), "admin")).toEqual([withScim.id, withManual.id].sort());
    expect(await listIds(and(named, not(members)), "scim")).toEqual([withManual.id, empty.id].sort());

    const page = (skip: number) =>
      h.groups.listGroups({ tenantId: t.tenantId, filter: named, pageSize: 2, skip }, t.scim);
    const [first, second] = [await page(0), await page(2)];
    expect([first.totalSize, first.groups.length, second.groups.length]).toEqual([3, 2, 1]);
    expect([...first.groups, ...second.groups].map((g) => g.id)).toEqual([
      withScim.id,
      withManual.id,
      empty.id,
    ]);
  });
});

describe("R14 group displayName is optional", () => {
  it("R14: a create without displayName is named after the externalId; an update without displayName keeps the name", async () => {
    const externalId = unique("ext-only");
    const { group } = await h.groups.createGroup({ tenantId: t.tenantId, group: { externalId } }, t.scim);
    expect(group).toMatchObject({ displayName: externalId, externalId });

    const newExternalId = unique("ext-new");
    const { group: updated } = await h.groups.updateGroup(
      {
        tenantId: t.tenantId,
        group: { id: group?.id, externalId: newExternalId },
        updateMask: { paths: ["display_name", "external_id"] },
      },
      t.scim,
    );
    expect(updated).toMatchObject({ displayName: externalId, externalId: newExternalId });
    expect(await groupRow(h.db, group?.id ?? "")).toMatchObject({
      display_name: externalId,
      external_id: newExternalId,
    });
  });

  it("R14: a create with neither displayName nor externalId is INVALID_ARGUMENT and stores nothing", async () => {
    const before = await h.db.query("select count(*)::int as n from identity.app_group");
    const error = await rejection(h.groups.createGroup({ tenantId: t.tenantId, group: {} }, t.scim));
    expectError(error, Code.InvalidArgument, "GROUP_NAME_REQUIRED");
    const after = await h.db.query("select count(*)::int as n from identity.app_group");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe("R18 group deleted in the admin panel", () => {
  it("R18: memberships go, nobody is deprovisioned, users stay in their accounts", async () => {
    const sub = await t.subAccount();
    const scimUser = await t.scimUser();
    const manualUser = await t.manualUser();
    const group = await t.scimGroup([scimUser]);
    await t.addMembers(group.id, [manualUser], "admin");
    await h.accounts.addAccountMembers(
      { tenantId: t.tenantId, accountId: sub, userIds: [scimUser] },
      t.admin,
    );

    const { deprovisionedUserIds } = await t.deleteGroup(group.id, "admin");

    expect(deprovisionedUserIds).toEqual([]);
    for (const user of [scimUser, manualUser]) {
      expect(await userRow(h.db, user)).toMatchObject({ state: "PROVISIONED", active: true });
      expect(await membershipsOf(h.db, user)).toEqual([]);
    }
    expect(await accountsOf(h.db, scimUser)).toEqual([t.mainAccountId, sub].sort());
    expect(await accountsOf(h.db, manualUser)).toEqual([t.mainAccountId]);
    expect(await auditCount(h.db, "group.deleted_in_admin_panel", group.id)).toBe(1);
  });

  it("R18: later IdP requests naming the group get NOT_FOUND GROUP_DELETED_IN_ADMIN_PANEL, only in the owning tenant", async () => {
    const user = await t.scimUser();
    const group = await t.scimGroup([user]);
    await t.deleteGroup(group.id, "admin");

    const requests = [
      () => h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim),
      () => t.addMembers(group.id, [user]),
      () => t.removeMembers(group.id, [user]),
      () => t.replaceMembers(group.id, [user]),
      () => t.deleteGroup(group.id),
      () => h.groups.listGroupMembers({ tenantId: t.tenantId, groupId: group.id, pageSize: 10 }, t.scim),
      () =>
        h.groups.updateGroup(
          {
            tenantId: t.tenantId,
            group: { id: group.id, displayName: "x" },
            updateMask: { paths: ["display_name"] },
          },
          t.scim,
        ),
    ];
    for (const request of requests) {
      const error = await rejection(request());
      expectError(error, Code.NotFound, "GROUP_DELETED_IN_ADMIN_PANEL");
      expect(error.rawMessage).toMatch(/deleted in the Cosafe admin panel/);
    }
    expect(await membershipsOf(h.db, user)).toEqual([]);
    expect(await userRow(h.db, user)).toMatchObject({ state: "PROVISIONED" });
    // A list never shows the tombstone.
    expect(await listIds(condition(GroupField.ID, group.id))).toEqual([]);

    // Another tenant gets a plain GROUP_NOT_FOUND, exactly as for an id that never existed (R21).
    const other = await TenantKit.create(h);
    const foreign = await rejection(
      h.groups.getGroup({ tenantId: other.tenantId, groupId: group.id }, other.scim),
    );
    expectError(foreign, Code.NotFound, "GROUP_NOT_FOUND");
    expect(foreign.rawMessage).not.toMatch(/admin panel/);
  });

  it("R18: an IdP add in flight while an administrator deletes the group leaves no membership in the tombstone", async () => {
    const user = await t.scimUser();
    const group = await t.scimGroup();
    const hold = await holdingUsers(h.db, [user]);
    let add: Promise<unknown>;
    let remove: Promise<unknown>;
    try {
      add = t.addMembers(group.id, [user]).catch((e: unknown) => e);
      await lockWaiters(h.db, 1); // the add has read the live group and waits for the user
      remove = t.deleteGroup(group.id, "admin");
      await Promise.race([remove, new Promise((resolve) => setTimeout(resolve, 500))]);
    } finally {
      await hold.release();
    }
    await Promise.all([add, remove]);
    expect(await membershipsOf(h.db, user)).toEqual([]);
    expect((await groupRow(h.db, group.id))?.deleted_at).toBeInstanceOf(Date);
  });

  it("R18: the tombstone never blocks a new POST of the same externalId or name", async () => {
    const externalId = unique("tomb-ext");
    const name = unique("Tomb Group");
    const { group: first } = await h.groups.createGroup(
      { tenantId: t.tenantId, group: { displayName: name, externalId } },
      t.scim,
    );
    await t.deleteGroup(first?.id ?? "", "admin");

    const { group: second } = await h.groups.createGroup(
      { tenantId: t.tenantId, group: { displayName: name, externalId } },
      t.scim,
    );

    expect(second?.id).not.toBe(first?.id);
    expect(await listIds(condition(GroupField.EXTERNAL_ID, externalId))).toEqual([second?.id]);
    expect((await groupRow(h.db, first?.id ?? ""))?.deleted_at).toBeInstanceOf(Date);
  });
});
