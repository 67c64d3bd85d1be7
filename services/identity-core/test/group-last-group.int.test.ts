import { MoveGroupPolicy } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountsOf,
  auditCount,
  type GroupHarness,
  groupRow,
  holdingUsers,
  lockWaiters,
  membershipsOf,
  startGroupHarness,
  TenantKit,
  userRow,
} from "./support/group-harness.js";

let h: GroupHarness;
let t: TenantKit;

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
  // These tests deprovision hundreds of users of one tenant: the mass-deprovision brake
  // (docs/adr/0012, its own tests) is set out of the way.
  await h.db.query(
    "insert into identity.deprovision_brake (tenant_id, percent, minimum) values ($1, 100, 1000000)",
    [t.tenantId],
  );
});

afterAll(async () => {
  await h?.close();
});

const provisioned = { state: "PROVISIONED", active: true, deprovision_reason: null };
const deprovisionedByR7 = {
  state: "DEPROVISIONED",
  active: false,
  deprovision_reason: "LAST_SCIM_GROUP_REMOVED",
};

describe("R7 last SCIM group", () => {
  it("R7: removing a user's last SCIM group deprovisions it: access, accounts and manual memberships go, history stays", async () => {
    const sub = await t.subAccount();
    const user = await t.scimUser();
    const other = await t.scimUser();
    const idpGroup = await t.scimGroup([user, other]);
    const manualGroup = await t.manualGroup([], undefined, sub);
    await t.addMembers(manualGroup.id, [user], "admin");
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId, sub].sort());

    const removed = await t.removeMembers(idpGroup.id, [user]);

    expect(removed.removedUserIds).toEqual([user]);
    expect(removed.deprovisionedUserIds).toEqual([user]);
    expect(await userRow(h.db, user)).toMatchObject(deprovisionedByR7);
    expect(await accountsOf(h.db, user)).toEqual([]);
    expect(await membershipsOf(h.db, user)).toEqual([]);
    expect(await auditCount(h.db, "user.deprovisioned", user)).toBe(1);
    // The other member is untouched.
    expect(await userRow(h.db, other)).toMatchObject(provisioned);
    expect(await membershipsOf(h.db, other)).toEqual([`${idpGroup.id}:SCIM:ACTIVE`]);
    // R4: the SCIM record stays addressable and reads back active: false.
    const { user: read } = await h.users.getUser({ tenantId: t.tenantId, userId: user }, t.scim);
    expect(read?.active).toBe(false);
  });

  it("R7: a PUT replace that drops a user's last SCIM group deprovisions it; an IdP add re-provisions it", async () => {
    const user = await t.scimUser();
    const stays = await t.scimUser();
    const group = await t.scimGroup([user, stays]);

    const replaced = await t.replaceMembers(group.id, [stays]);

    expect(replaced.removedUserIds).toEqual([user]);
    expect(replaced.deprovisionedUserIds).toEqual([user]);
    expect(await userRow(h.db, user)).toMatchObject(deprovisionedByR7);
    expect(await userRow(h.db, stays)).toMatchObject(provisioned);

    const readded = await t.addMembers(group.id, [user]);
    expect(readded.reprovisionedUserIds).toEqual([user]);
    expect(await userRow(h.db, user)).toMatchObject(provisioned);
    expect(await membershipsOf(h.db, user)).toEqual([`${group.id}:SCIM:ACTIVE`]);
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId]);
  });

  it("R7: a user deactivated by the IdP keeps its SCIM memberships as dormant rows, which SCIM reads still show", async () => {
    const user = await t.scimUser();
    const groupA = await t.scimGroup([user]);
    const groupB = await t.scimGroup([user]);
    await h.users.updateUser(
      { tenantId: t.tenantId, user: { id: user, active: false }, updateMask: { paths: ["active"] } },
      t.scim,
    );
    expect(await membershipsOf(h.db, user)).toEqual(
      [`${groupA.id}:SCIM:DORMANT`, `${groupB.id}:SCIM:DORMANT`].sort(),
    );
    expect(await t.memberIds(groupA.id, "scim")).toEqual([user]);
    expect(await t.memberIds(groupA.id, "admin")).toEqual([]);
    expect(await t.memberIds(groupA.id, "admin", true)).toEqual([user]);

    // Removing a dormant row of a deprovisioned user deprovisions nothing again.
    const removed = await t.removeMembers(groupA.id, [user]);
    expect(removed.deprovisionedUserIds).toEqual([]);
    await t.removeMembers(groupB.id, [user]);
    expect(await auditCount(h.db, "user.deprovisioned", user)).toBe(1);
    expect(await userRow(h.db, user)).toMatchObject({
      state: "DEPROVISIONED",
      deprovision_reason: "INACTIVE",
    });
  });

  it("R7: parallel removals of one user's last two groups deprovision it exactly once and lose nothing (30 rounds)", async () => {
    for (let round = 0; round < 30; round++) {
      const user = await t.scimUser();
      const bystander = await t.scimUser();
      const groupA = await t.scimGroup([user, bystander]);
      const groupB = await t.scimGroup([user, bystander]);

      const [a, b] = await Promise.all([
        t.removeMembers(groupA.id, [user]),
        t.removeMembers(groupB.id, [user]),
      ]);

      expect([...a.removedUserIds, ...b.removedUserIds]).toEqual([user, user]);
      expect([...a.deprovisionedUserIds, ...b.deprovisionedUserIds]).toEqual([user]);
      expect(await userRow(h.db, user)).toMatchObject(deprovisionedByR7);
      expect(await auditCount(h.db, "user.deprovisioned", user)).toBe(1);
      expect(await membershipsOf(h.db, user)).toEqual([]);
      expect(await userRow(h.db, bystander)).toMatchObject(provisioned);
      expect(await membershipsOf(h.db, bystander)).toEqual(
        [`${groupA.id}:SCIM:ACTIVE`, `${groupB.id}:SCIM:ACTIVE`].sort(),
      );
    }
  }, 60_000);

  it("R7: parallel replace and delete of a user's last two groups deprovision it exactly once (20 rounds)", async () => {
    for (let round = 0; round < 20; round++) {
      const user = await t.scimUser();
      const groupA = await t.scimGroup([user]);
      const groupB = await t.scimGroup([user]);

      const [a, b] = await Promise.all([t.replaceMembers(groupA.id, []), t.deleteGroup(groupB.id)]);

      expect([...a.deprovisionedUserIds, ...b.deprovisionedUserIds]).toEqual([user]);
      expect(await auditCount(h.db, "user.deprovisioned", user)).toBe(1);
      expect(await userRow(h.db, user)).toMatchObject(deprovisionedByR7);
    }
  }, 60_000);

  it("R7: parallel replaces that swap users between two groups neither deadlock nor deprovision anyone (20 rounds)", async () => {
    for (let round = 0; round < 20; round++) {
      const [x, y] = [await t.scimUser(), await t.scimUser()];
      const groupA = await t.scimGroup([x]);
      const groupB = await t.scimGroup([y]);
      // A drops x and takes y while B drops y and takes x: each transaction locks both users.
      const [a, b] = await Promise.all([t.replaceMembers(groupA.id, [y]), t.replaceMembers(groupB.id, [x])]);
      expect(a.deprovisionedUserIds.length + b.deprovisionedUserIds.length).toBeLessThanOrEqual(2);
      // Whatever the interleaving, each user ends in exactly one group and, being in one, provisioned
      // — unless the removal committed first and deprovisioned it, in which case the other
      // transaction's add re-provisioned it.
      expect(await userRow(h.db, x)).toMatchObject(provisioned);
      expect(await userRow(h.db, y)).toMatchObject(provisioned);
      expect(await membershipsOf(h.db, x)).toEqual([`${groupB.id}:SCIM:ACTIVE`]);
      expect(await membershipsOf(h.db, y)).toEqual([`${groupA.id}:SCIM:ACTIVE`]);
    }
  }, 60_000);

  it("R7: a group DELETE by the IdP that takes 1,000 users to zero groups deprovisions them all in one transaction", async () => {
    const users = await t.seedUsers(1000);
    const group = await t.scimGroup();
    await t.addMembers(group.id, users);
    expect(await t.memberIds(group.id)).toEqual(users);

    const { deprovisionedUserIds } = await t.deleteGroup(group.id);

    expect([...deprovisionedUserIds].sort()).toEqual(users);
    const { rows } = await h.db.query(
      `select count(*)::int as n, count(distinct xmin::text)::int as transactions,
              count(*) filter (where state = 'DEPROVISIONED' and not active)::int as deprovisioned
         from identity.app_user where id = any($1::uuid[])`,
      [users],
    );
    // Every row was last written by the same transaction.
    expect(rows[0]).toEqual({ n: 1000, transactions: 1, deprovisioned: 1000 });
    const audit = await h.db.query(
      `select count(*)::int as n, count(distinct xmin::text)::int as transactions from identity.audit_event
        where action = 'user.deprovisioned' and target_id = any($1::text[])`,
      [users],
    );
    expect(audit.rows[0]).toEqual({ n: 1000, transactions: 1 });
    const left = await h.db.query(
      `select (select count(*) from identity.account_membership where user_id = any($1::uuid[]))::int as accounts,
              (select count(*) from identity.group_membership where user_id = any($1::uuid[]))::int as memberships`,
      [users],
    );
    expect(left.rows[0]).toEqual({ accounts: 0, memberships: 0 });
    expect(await groupRow(h.db, group.id)).toBeUndefined();
  }, 60_000);

  it("R7: users that never had a SCIM group are not affected", async () => {
    const direct = await t.scimUser(); // assigned to the IdP app directly, in no group
    const manualOnly = await t.scimUser(); // in a group only through an administrator
    const group = await t.scimGroup();
    await t.addMembers(group.id, [manualOnly], "admin");

    const removedDirect = await t.removeMembers(group.id, [direct]);
    const removedManual = await t.removeMembers(group.id, [manualOnly]);

    expect(removedDirect).toMatchObject({ removedUserIds: [], deprovisionedUserIds: [] });
    // The manual membership of a SCIM user is visible to SCIM (R10) and goes, but the user never
    // had a SCIM membership, so its count did not go from ≥1 to 0.
    expect(removedManual).toMatchObject({ removedUserIds: [manualOnly], deprovisionedUserIds: [] });
    expect(await userRow(h.db, direct)).toMatchObject(provisioned);
    expect(await userRow(h.db, manualOnly)).toMatchObject(provisioned);
    expect(await accountsOf(h.db, manualOnly)).toEqual([t.mainAccountId]);
  });

  it("R7: administrator operations never deprovision (remove, replace, move with REMOVE_MEMBERS, delete)", async () => {
    const sub = await t.subAccount();
    const [u1, u2, u3, u4] = [await t.scimUser(), await t.scimUser(), await t.scimUser(), await t.scimUser()];
    const g1 = await t.scimGroup([u1]);
    const g2 = await t.scimGroup([u2]);
    const g3 = await t.scimGroup([u3]);
    const g4 = await t.scimGroup([u4]);

    expect((await t.removeMembers(g1.id, [u1], "admin")).deprovisionedUserIds).toEqual([]);
    expect((await t.replaceMembers(g2.id, [], "admin")).deprovisionedUserIds).toEqual([]);
    await h.groups.moveGroup(
      { tenantId: t.tenantId, groupId: g3.id, targetAccountId: sub, policy: MoveGroupPolicy.REMOVE_MEMBERS },
      t.admin,
    );
    expect((await t.deleteGroup(g4.id, "admin")).deprovisionedUserIds).toEqual([]);

    for (const user of [u1, u2, u3, u4]) {
      expect(await userRow(h.db, user)).toMatchObject(provisioned);
      expect(await membershipsOf(h.db, user)).toEqual([]);
      expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId]);
      expect(await auditCount(h.db, "user.deprovisioned", user)).toBe(0);
    }
  });

  it("R7: with the tenant setting off, nobody is deprovisioned by removal, replace or group DELETE", async () => {
    const off = await TenantKit.create(h);
    await off.setDeprovisionOnLastGroupRemoval(false);
    const [u1, u2, u3] = [await off.scimUser(), await off.scimUser(), await off.scimUser()];
    const g1 = await off.scimGroup([u1]);
    const g2 = await off.scimGroup([u2]);
    const g3 = await off.scimGroup([u3]);

    expect((await off.removeMembers(g1.id, [u1])).deprovisionedUserIds).toEqual([]);
    expect((await off.replaceMembers(g2.id, [])).deprovisionedUserIds).toEqual([]);
    expect((await off.deleteGroup(g3.id)).deprovisionedUserIds).toEqual([]);

    for (const user of [u1, u2, u3]) {
      expect(await userRow(h.db, user)).toMatchObject(provisioned);
      expect(await accountsOf(h.db, user)).toEqual([off.mainAccountId]);
    }
  });
});

describe("R8 still in a SCIM group", () => {
  it("R8: a user removed from one SCIM group but still in another keeps all its other memberships, manual ones included", async () => {
    const sub = await t.subAccount();
    const user = await t.scimUser();
    const groupA = await t.scimGroup([user]);
    const groupB = await t.scimGroup([user]);
    const manual = await t.manualGroup([], undefined, sub);
    await t.addMembers(manual.id, [user], "admin");

    const removed = await t.removeMembers(groupA.id, [user]);

    expect(removed).toMatchObject({ removedUserIds: [user], deprovisionedUserIds: [] });
    expect(await userRow(h.db, user)).toMatchObject(provisioned);
    expect(await membershipsOf(h.db, user)).toEqual(
      [`${groupB.id}:SCIM:ACTIVE`, `${manual.id}:MANUAL:ACTIVE`].sort(),
    );
    expect(await accountsOf(h.db, user)).toEqual([t.mainAccountId, sub].sort());
  });
});

describe("R17 group deleted by the IdP", () => {
  it("R17: an IdP add in flight while the IdP deletes the group completes first; the delete then deprovisions the newcomer", async () => {
    const newcomer = await t.scimUser();
    const group = await t.scimGroup([await t.scimUser()]);
    const hold = await holdingUsers(h.db, [newcomer]);
    let add: Promise<unknown>;
    let remove: Promise<{ deprovisionedUserIds: string[] }>;
    try {
      add = t.addMembers(group.id, [newcomer]);
      await lockWaiters(h.db, 1); // the add has read the live group and waits for the user
      remove = t.deleteGroup(group.id);
      await Promise.race([remove, new Promise((resolve) => setTimeout(resolve, 500))]);
    } finally {
      await hold.release();
    }
    await add;
    expect((await remove).deprovisionedUserIds).toContain(newcomer);
    expect(await membershipsOf(h.db, newcomer)).toEqual([]);
    expect(await userRow(h.db, newcomer)).toMatchObject(deprovisionedByR7);
  });

  it("R17: an IdP DELETE deprovisions the members whose last SCIM group it was; members of other groups stay in those", async () => {
    const onlyHere = await t.scimUser();
    const alsoElsewhere = await t.scimUser();
    const manualUser = await t.manualUser();
    const group = await t.scimGroup([onlyHere, alsoElsewhere]);
    await t.addMembers(group.id, [manualUser], "admin");
    const other = await t.scimGroup([alsoElsewhere]);

    const { deprovisionedUserIds } = await t.deleteGroup(group.id);

    expect(deprovisionedUserIds).toEqual([onlyHere]);
    expect(await userRow(h.db, onlyHere)).toMatchObject(deprovisionedByR7);
    expect(await userRow(h.db, alsoElsewhere)).toMatchObject(provisioned);
    expect(await membershipsOf(h.db, alsoElsewhere)).toEqual([`${other.id}:SCIM:ACTIVE`]);
    // R10: a manual user's manual membership goes with the group, nothing else happens to it.
    expect(await userRow(h.db, manualUser)).toMatchObject({ ...provisioned, managed_by: "MANUAL" });
    expect(await accountsOf(h.db, manualUser)).toEqual([t.mainAccountId]);
    expect(await groupRow(h.db, group.id)).toBeUndefined();
    expect(await auditCount(h.db, "group.deleted", group.id)).toBe(1);
  });
});
