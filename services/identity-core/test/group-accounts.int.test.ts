import { MoveGroupPolicy } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountsOf,
  auditCount,
  Code,
  expectError,
  type GroupHarness,
  groupRow,
  membershipsOf,
  rejection,
  startGroupHarness,
  TenantKit,
  userRow,
} from "./support/group-harness.js";

let h: GroupHarness;

beforeAll(async () => {
  h = await startGroupHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("R15 group accounts", () => {
  it("R15: groups the IdP creates land in the tenant's default account, whatever account the request names", async () => {
    const t = await TenantKit.create(h);
    const defaultAccount = await t.subAccount("Default");
    const elsewhere = await t.subAccount("Elsewhere");
    await t.setDefaultAccount(defaultAccount);

    const { group } = await h.groups.createGroup(
      { tenantId: t.tenantId, group: { displayName: "IdP Group", accountId: elsewhere } },
      t.scim,
    );

    expect(group?.accountId).toBe(defaultAccount);
    expect((await groupRow(h.db, group?.id ?? ""))?.account_id).toBe(defaultAccount);
    // An administrator chooses the account (or gets the default one).
    const chosen = await t.manualGroup([], "Chosen", elsewhere);
    const defaulted = await t.manualGroup([], "Defaulted");
    expect([chosen.accountId, defaulted.accountId]).toEqual([elsewhere, defaultAccount]);
  });

  it("R15: an IdP add puts the user into the group's account too", async () => {
    const t = await TenantKit.create(h);
    const sub = await t.subAccount();
    const user = await t.scimUser();
    const group = await t.manualGroup([], "Team in sub-account", sub);
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId]);

    await t.addMembers(group.id, [user]);

    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId, sub].sort());
    // At creation with members too.
    const other = await t.scimUser();
    const sub2 = await t.subAccount();
    await t.setDefaultAccount(sub2);
    await t.scimGroup([other]);
    expect(await accountsOf(h.db, other)).toEqual([t.mainAccountId, sub2].sort());
  });

  it("R15: SCIM never removes a user from an account except by deprovisioning", async () => {
    const t = await TenantKit.create(h);
    const sub = await t.subAccount();
    const user = await t.scimUser();
    const inSub = await t.manualGroup([], "Sub team", sub);
    await t.addMembers(inSub.id, [user]);
    const inMain = await t.scimGroup([user]);

    await t.removeMembers(inSub.id, [user]);
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId, sub].sort());
    await t.addMembers(inSub.id, [user]);
    await t.replaceMembers(inSub.id, []);
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId, sub].sort());

    // Only the deprovisioning of R7 takes it out of every account.
    const { deprovisionedUserIds } = await t.removeMembers(inMain.id, [user]);
    expect(deprovisionedUserIds).toEqual([user]);
    expect(await accountsOf(h.db, user)).toEqual([]);
  });
});

describe("accounts and groups", () => {
  it("R18: a sub-account whose groups were deleted in the admin panel can be deleted; one with a live group cannot", async () => {
    const t = await TenantKit.create(h);
    const sub = await t.subAccount();
    const group = await t.manualGroup([], "Short-lived", sub);
    const inUse = await rejection(
      h.accounts.deleteAccount({ tenantId: t.tenantId, accountId: sub }, t.admin),
    );
    expectError(inUse, Code.FailedPrecondition, "ACCOUNT_IN_USE");

    await t.deleteGroup(group.id, "admin");
    await h.accounts.deleteAccount({ tenantId: t.tenantId, accountId: sub }, t.admin);

    const { rows } = await h.db.query("select 1 from identity.account where id = $1", [sub]);
    expect(rows).toEqual([]);
    // The tombstone still answers the IdP (R18).
    const error = await rejection(h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim));
    expectError(error, Code.NotFound, "GROUP_DELETED_IN_ADMIN_PANEL");
  });
});

describe("R16 moving a group", () => {
  async function groupWithEveryKindOfMember(t: TenantKit) {
    const scimUser = await t.scimUser();
    const manualUser = await t.manualUser();
    const dormant = await t.scimUser();
    const group = await t.scimGroup([scimUser, dormant]);
    await t.addMembers(group.id, [manualUser], "admin");
    await h.users.updateUser(
      { tenantId: t.tenantId, user: { id: dormant, active: false }, updateMask: { paths: ["active"] } },
      t.scim,
    );
    expect(await membershipsOf(h.db, dormant)).toEqual([`${group.id}:SCIM:DORMANT`]);
    return { group, scimUser, manualUser, dormant };
  }

  it("R16: ADD_MEMBERS adds every member to the target account, keeps the memberships, and later IdP adds land there", async () => {
    const t = await TenantKit.create(h);
    const target = await t.subAccount("Target");
    const { group, scimUser, manualUser, dormant } = await groupWithEveryKindOfMember(t);

    const { group: moved } = await h.groups.moveGroup(
      {
        tenantId: t.tenantId,
        groupId: group.id,
        targetAccountId: target,
        policy: MoveGroupPolicy.ADD_MEMBERS,
      },
      t.admin,
    );

    expect(moved?.accountId).toBe(target);
    // Members stay in their previous account too.
    expect(await accountsOf(h.db, scimUser)).toEqual([t.mainAccountId, target].sort());
    expect(await accountsOf(h.db, manualUser)).toEqual([t.mainAccountId, target].sort());
    // A deprovisioned member is in no account (R4); its dormant membership stays.
    expect(await accountsOf(h.db, dormant)).toEqual([]);
    expect(await membershipsOf(h.db, dormant)).toEqual([`${group.id}:SCIM:DORMANT`]);
    expect(await membershipsOf(h.db, scimUser)).toEqual([`${group.id}:SCIM:ACTIVE`]);
    expect(await membershipsOf(h.db, manualUser)).toEqual([`${group.id}:MANUAL:ACTIVE`]);

    const later = await t.scimUser();
    await t.addMembers(group.id, [later]);
    expect(await accountsOf(h.db, later)).toEqual([t.mainAccountId, target].sort());
    expect(await auditCount(h.db, "group.moved", group.id)).toBe(1);
  });

  it("R16: REMOVE_MEMBERS removes every membership, visible to SCIM or not, dormant ones too; members stay in their account and provisioned", async () => {
    const t = await TenantKit.create(h);
    const target = await t.subAccount("Target");
    const { group, scimUser, manualUser, dormant } = await groupWithEveryKindOfMember(t);

    const { group: moved } = await h.groups.moveGroup(
      {
        tenantId: t.tenantId,
        groupId: group.id,
        targetAccountId: target,
        policy: MoveGroupPolicy.REMOVE_MEMBERS,
      },
      t.admin,
    );

    expect(moved?.accountId).toBe(target);
    for (const user of [scimUser, manualUser, dormant]) expect(await membershipsOf(h.db, user)).toEqual([]);
    expect(await accountsOf(h.db, scimUser)).toEqual([t.mainAccountId]);
    expect(await accountsOf(h.db, manualUser)).toEqual([t.mainAccountId]);
    // R7 is never triggered by an administrator.
    expect(await userRow(h.db, scimUser)).toMatchObject({ state: "PROVISIONED" });
    expect(await t.memberIds(group.id, "admin", true)).toEqual([]);
  });

  it("R16: a move without a policy is INVALID_ARGUMENT and changes nothing; the IdP may not move groups", async () => {
    const t = await TenantKit.create(h);
    const target = await t.subAccount();
    const user = await t.scimUser();
    const group = await t.scimGroup([user]);

    const noPolicy = await rejection(
      h.groups.moveGroup({ tenantId: t.tenantId, groupId: group.id, targetAccountId: target }, t.admin),
    );
    expectError(noPolicy, Code.InvalidArgument, "MOVE_POLICY_REQUIRED");
    const byIdp = await rejection(
      h.groups.moveGroup(
        {
          tenantId: t.tenantId,
          groupId: group.id,
          targetAccountId: target,
          policy: MoveGroupPolicy.ADD_MEMBERS,
        },
        t.scim,
      ),
    );
    expectError(byIdp, Code.PermissionDenied, "ROLE_NOT_ALLOWED");
    const other = await TenantKit.create(h);
    const foreignAccount = await rejection(
      h.groups.moveGroup(
        {
          tenantId: t.tenantId,
          groupId: group.id,
          targetAccountId: other.mainAccountId,
          policy: MoveGroupPolicy.ADD_MEMBERS,
        },
        t.admin,
      ),
    );
    expectError(foreignAccount, Code.NotFound, "ACCOUNT_NOT_FOUND");

    expect((await groupRow(h.db, group.id))?.account_id).toBe(t.mainAccountId);
    expect(await membershipsOf(h.db, user)).toEqual([`${group.id}:SCIM:ACTIVE`]);
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId]);
  });
});
