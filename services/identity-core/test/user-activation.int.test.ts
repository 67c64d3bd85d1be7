import { Code } from "@connectrpc/connect";
import { MembershipSource, MembershipState, UserState } from "@cosafe/proto/identity";
import { reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminActor, as, scimActor } from "./support/core-harness.js";
import {
  accountsOf,
  auditActions,
  membershipsOf,
  RecordingNotifier,
  RecordingSeats,
  rejection,
  startUserHarness,
  type UserHarness,
  userRow,
} from "./support/user-harness.js";

let h: UserHarness;
const seats = new RecordingSeats();
const notifier = new RecordingNotifier();
let tenantId: string;
let mainAccountId: string;
let counter = 0;

beforeAll(async () => {
  h = await startUserHarness({ seats, notifier });
  tenantId = await h.newTenant("Activation AB");
  const { tenant } = await h.tenants.getTenant({ tenantId }, as(adminActor(tenantId)));
  mainAccountId = tenant?.mainAccountId ?? "";
});

afterAll(() => h?.close());

const scim = () => as(scimActor(tenantId));
const admin = () => as(adminActor(tenantId));
const unique = (prefix: string) => `${prefix}-${++counter}@activation.test`;

async function scimUser(user: { userName?: string; active?: boolean; emails?: { value: string }[] } = {}) {
  const { user: created } = await h.users.createUser(
    { tenantId, user: { userName: unique("user"), ...user } },
    scim(),
  );
  if (!created) throw new Error("no user");
  return created;
}

async function subAccount(name: string): Promise<string> {
  const { account } = await h.accounts.createAccount({ tenantId, displayName: name }, admin());
  return account?.id ?? "";
}

/** A group the administrator creates in `accountId`; the IdP links it on its first write (R11). */
async function groupIn(accountId: string, name: string): Promise<string> {
  const { group } = await h.groups.createGroup(
    { tenantId, group: { displayName: `${name} ${++counter}`, accountId } },
    admin(),
  );
  return group?.id ?? "";
}

/** Waits until some statement of the core waits for a row lock. */
async function waitForLockWaiter(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await h.db.query(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    if (rows[0].n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("nobody waited for the lock");
}

async function setActive(userId: string, active: boolean, actor = scim()) {
  const { user } = await h.users.updateUser(
    { tenantId, user: { id: userId, active }, updateMask: { paths: ["active"] } },
    actor,
  );
  return user;
}

/**
 * A provisioned SCIM user in two SCIM groups (one in the default account, one in a
 * sub-account), one manual group and, by hand, one more account.
 */
async function wellConnectedUser() {
  const user = await scimUser();
  const accountA = await subAccount(`Field ${++counter}`);
  const accountB = await subAccount(`Office ${++counter}`);
  const { group: scimGroup } = await h.groups.createGroup(
    { tenantId, group: { displayName: `IdP group ${++counter}` }, memberUserIds: [user.id] },
    scim(),
  );
  const fieldGroup = await groupIn(accountA, "Field team");
  await h.groups.addGroupMembers({ tenantId, groupId: fieldGroup, userIds: [user.id] }, scim());
  const manualGroup = await groupIn(mainAccountId, "Manual");
  await h.groups.addGroupMembers({ tenantId, groupId: manualGroup, userIds: [user.id] }, admin());
  await h.accounts.addAccountMembers({ tenantId, accountId: accountB, userIds: [user.id] }, admin());
  return { user, scimGroup: scimGroup?.id ?? "", fieldGroup, manualGroup, accountA, accountB };
}

describe("R3 activation and invitations", () => {
  it("R3: a SCIM create sends no invitation: no invitation row and nothing handed to the notifier", async () => {
    const sentBefore = notifier.sent.length;
    const user = await scimUser({ emails: [{ value: "invite-me@activation.test" }] });
    expect(user).toMatchObject({ active: true, state: UserState.PROVISIONED });
    const { rows } = await h.db.query(
      "select count(*)::int as n from identity.invitation where user_id = $1",
      [user.id],
    );
    expect(rows[0].n).toBe(0);
    expect(notifier.sent.length).toBe(sentBefore);
    expect(await auditActions(h.db, user.id)).toEqual(["user.created"]);
  });

  it("R3: InviteUser records the invitation and an audit event, then calls the notifier", async () => {
    const user = await scimUser({ emails: [{ value: "second@activation.test" }] });
    const response = await h.users.inviteUser({ tenantId, userId: user.id }, admin());
    expect(response.email).toBe("second@activation.test");
    const { rows } = await h.db.query(
      "select id, tenant_id, email, invited_by from identity.invitation where user_id = $1",
      [user.id],
    );
    expect(rows).toEqual([
      {
        id: response.invitationId,
        tenant_id: tenantId,
        email: "second@activation.test",
        invited_by: adminActor(tenantId).id,
      },
    ]);
    expect(await auditActions(h.db, user.id)).toEqual(["user.created", "user.invited"]);
    expect(notifier.sent).toContainEqual({
      invitationId: response.invitationId,
      tenantId,
      userId: user.id,
      email: "second@activation.test",
    });
    const explicit = await h.users.inviteUser(
      { tenantId, userId: user.id, email: "other@activation.test" },
      admin(),
    );
    expect(explicit.email).toBe("other@activation.test");
    const count = await h.db.query("select count(*)::int as n from identity.invitation where user_id = $1", [
      user.id,
    ]);
    expect(count.rows[0].n).toBe(2);
  });

  it("R3: InviteUser is refused for a deprovisioned user and for a user without email; nothing recorded or sent", async () => {
    const gone = await scimUser({ userName: unique("gone"), active: false });
    const noEmail = await scimUser({ userName: `no-email-${++counter}` });
    const sentBefore = notifier.sent.length;
    const deprovisioned = await rejection(h.users.inviteUser({ tenantId, userId: gone.id }, admin()));
    expect(deprovisioned.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(deprovisioned)).toBe("USER_DEPROVISIONED");
    const missing = await rejection(h.users.inviteUser({ tenantId, userId: noEmail.id }, admin()));
    expect(missing.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(missing)).toBe("NO_EMAIL_ADDRESS");
    const { rows } = await h.db.query(
      "select count(*)::int as n from identity.invitation where user_id = any($1::uuid[])",
      [[gone.id, noEmail.id]],
    );
    expect(rows[0].n).toBe(0);
    expect(notifier.sent.length).toBe(sentBefore);
    expect(await auditActions(h.db, gone.id)).toEqual(["user.created"]);
    expect(await auditActions(h.db, noEmail.id)).toEqual(["user.created"]);
  });

  it("R3: the identity provider cannot send invitations", async () => {
    const user = await scimUser({ emails: [{ value: "idp-invite@activation.test" }] });
    const error = await rejection(h.users.inviteUser({ tenantId, userId: user.id }, scim()));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});

describe("R4 deactivation deprovisions", () => {
  it("R4: a SCIM create takes a seat keyed by the new user's id and stores its seat id", async () => {
    const user = await scimUser();
    const [allocation] = seats.allocationsFor(user.id);
    expect(allocation?.tenantId).toBe(tenantId);
    expect(user.seatId).toBe(allocation?.seatId);
    expect((await userRow(h.db, user.id))?.seat_id).toBe(allocation?.seatId);
  });

  it("R4: active=false from the IdP deprovisions: reads back inactive, leaves every account and manual membership, SCIM memberships stay dormant, seat released by its id", async () => {
    const { user, scimGroup, fieldGroup, manualGroup, accountA, accountB } = await wellConnectedUser();
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId, accountA, accountB].sort());
    const seatId = user.seatId;
    expect(seatId).not.toBe("");

    const updated = await setActive(user.id, false);
    expect(updated).toMatchObject({ active: false, state: UserState.DEPROVISIONED, seatId: "" });
    const { user: read } = await h.users.getUser({ tenantId, userId: user.id }, scim());
    expect(read).toMatchObject({ id: user.id, active: false, state: UserState.DEPROVISIONED });

    expect(await userRow(h.db, user.id)).toMatchObject({
      active: false,
      state: "DEPROVISIONED",
      seat_id: null,
      deprovision_reason: "INACTIVE",
    });
    expect(await accountsOf(h.db, user.id)).toEqual([]);
    expect(await membershipsOf(h.db, user.id)).toEqual(
      [`${scimGroup} SCIM DORMANT`, `${fieldGroup} SCIM DORMANT`].sort(),
    );
    expect(await membershipsOf(h.db, user.id)).not.toContainEqual(expect.stringContaining(manualGroup));
    expect(seats.released(seatId)).toBe(true);
    expect(await auditActions(h.db, user.id)).toContain("user.deprovisioned");
  });

  it("R4: active=true re-provisions with a new seat keyed by the user id: SCIM memberships come back, the user re-enters the default account and each group's account, manual memberships do not", async () => {
    const { user, scimGroup, fieldGroup, manualGroup, accountA, accountB } = await wellConnectedUser();
    const firstSeat = user.seatId;
    await setActive(user.id, false);
    const releasesBefore = seats.releases.length;

    const updated = await setActive(user.id, true);
    expect(updated).toMatchObject({ active: true, state: UserState.PROVISIONED });
    const allocations = seats.allocationsFor(user.id);
    expect(allocations).toHaveLength(2);
    const newSeat = allocations[1]?.seatId;
    expect(newSeat).not.toBe(firstSeat);
    expect(updated?.seatId).toBe(newSeat);
    expect(await userRow(h.db, user.id)).toMatchObject({
      active: true,
      state: "PROVISIONED",
      seat_id: newSeat,
      deprovision_reason: null,
    });
    expect(await membershipsOf(h.db, user.id)).toEqual(
      [`${scimGroup} SCIM ACTIVE`, `${fieldGroup} SCIM ACTIVE`].sort(),
    );
    const accounts = await accountsOf(h.db, user.id);
    expect(accounts).toEqual([mainAccountId, accountA].sort());
    expect(accounts).not.toContain(accountB);
    expect((await membershipsOf(h.db, user.id)).join()).not.toContain(manualGroup);
    // Nothing was released by the re-provisioning, least of all the new seat.
    expect(seats.releases.slice(releasesBefore)).toEqual([]);
    expect(await auditActions(h.db, user.id)).toContain("user.reprovisioned");
  });

  it("R4: re-provisioning lands in the tenant's configured default account", async () => {
    const otherTenant = await h.newTenant("Default Account AB");
    const { account } = await h.accounts.createAccount(
      { tenantId: otherTenant, displayName: "Landing" },
      as(adminActor(otherTenant)),
    );
    const { tenant } = await h.tenants.getTenant({ tenantId: otherTenant }, as(adminActor(otherTenant)));
    await h.tenants.updateTenant(
      {
        tenant: { id: otherTenant, settings: { defaultAccountId: account?.id ?? "" } },
        updateMask: { paths: ["settings.default_account_id"] },
      },
      as(adminActor(otherTenant)),
    );
    const { user } = await h.users.createUser(
      { tenantId: otherTenant, user: { userName: "landing@activation.test", active: false } },
      as(scimActor(otherTenant)),
    );
    await h.users.updateUser(
      {
        tenantId: otherTenant,
        user: { id: user?.id ?? "", active: true },
        updateMask: { paths: ["active"] },
      },
      as(scimActor(otherTenant)),
    );
    expect(await accountsOf(h.db, user?.id ?? "")).toEqual([account?.id]);
    expect(account?.id).not.toBe(tenant?.mainAccountId);
  });

  it("R4: a create with active=false takes no seat and is in no account; a later active=true takes one", async () => {
    const user = await scimUser({ active: false });
    expect(user).toMatchObject({ active: false, state: UserState.DEPROVISIONED, seatId: "" });
    expect(seats.allocationsFor(user.id)).toEqual([]);
    expect(await userRow(h.db, user.id)).toMatchObject({ seat_id: null, state: "DEPROVISIONED" });
    expect(await accountsOf(h.db, user.id)).toEqual([]);

    await setActive(user.id, true);
    expect(seats.allocationsFor(user.id)).toHaveLength(1);
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId]);
  });

  it("R4: an IdP add of a user the IdP deactivated creates a dormant SCIM membership and no account membership", async () => {
    const user = await scimUser();
    await setActive(user.id, false);
    const accountA = await subAccount(`Dormant ${++counter}`);
    const group = await groupIn(accountA, "Dormant");
    const allocationsBefore = seats.allocationsFor(user.id).length;

    const outcome = await h.groups.addGroupMembers({ tenantId, groupId: group, userIds: [user.id] }, scim());
    expect(outcome.reprovisionedUserIds).toEqual([]);
    expect(await membershipsOf(h.db, user.id)).toEqual([`${group} SCIM DORMANT`]);
    expect(await accountsOf(h.db, user.id)).toEqual([]);
    expect(await userRow(h.db, user.id)).toMatchObject({ state: "DEPROVISIONED", active: false });
    expect(seats.allocationsFor(user.id)).toHaveLength(allocationsBefore);

    // The IdP later re-activates the user: the dormant membership comes back, with its account.
    await setActive(user.id, true);
    expect(await membershipsOf(h.db, user.id)).toEqual([`${group} SCIM ACTIVE`]);
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId, accountA].sort());
  });

  it("R4: a user deprovisioned by R7 reads back inactive and is re-provisioned by an IdP add to a group", async () => {
    const user = await scimUser();
    const { group: first } = await h.groups.createGroup(
      { tenantId, group: { displayName: `R7 first ${++counter}` }, memberUserIds: [user.id] },
      scim(),
    );
    const accountA = await subAccount(`R7 ${++counter}`);
    const second = await groupIn(accountA, "R7 second");
    const firstSeat = user.seatId;

    const removal = await h.groups.removeGroupMembers(
      { tenantId, groupId: first?.id ?? "", userIds: [user.id] },
      scim(),
    );
    expect(removal.deprovisionedUserIds).toEqual([user.id]);
    const { user: read } = await h.users.getUser({ tenantId, userId: user.id }, scim());
    expect(read).toMatchObject({ active: false, state: UserState.DEPROVISIONED });
    expect(await userRow(h.db, user.id)).toMatchObject({ deprovision_reason: "LAST_SCIM_GROUP_REMOVED" });
    expect(seats.released(firstSeat)).toBe(true);

    const add = await h.groups.addGroupMembers({ tenantId, groupId: second, userIds: [user.id] }, scim());
    expect(add.reprovisionedUserIds).toEqual([user.id]);
    const allocations = seats.allocationsFor(user.id);
    expect(allocations).toHaveLength(2);
    expect(await userRow(h.db, user.id)).toMatchObject({
      active: true,
      state: "PROVISIONED",
      seat_id: allocations[1]?.seatId,
    });
    expect(await membershipsOf(h.db, user.id)).toEqual([`${second} SCIM ACTIVE`]);
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId, accountA].sort());
  });

  it("R4: a user deprovisioned by R7 is re-provisioned by an IdP write with active=true", async () => {
    const user = await scimUser();
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `R7 active ${++counter}` }, memberUserIds: [user.id] },
      scim(),
    );
    await h.groups.removeGroupMembers({ tenantId, groupId: group?.id ?? "", userIds: [user.id] }, scim());
    expect(await userRow(h.db, user.id)).toMatchObject({ state: "DEPROVISIONED" });
    const updated = await setActive(user.id, true);
    expect(updated).toMatchObject({ active: true, state: UserState.PROVISIONED });
    expect(seats.allocationsFor(user.id)).toHaveLength(2);
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId]);
  });

  it("R4: once the IdP deactivates an R7-deprovisioned user, an IdP group add no longer brings it back", async () => {
    const user = await scimUser();
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `R7 then inactive ${++counter}` }, memberUserIds: [user.id] },
      scim(),
    );
    await h.groups.removeGroupMembers({ tenantId, groupId: group?.id ?? "", userIds: [user.id] }, scim());
    await setActive(user.id, false);
    expect(await userRow(h.db, user.id)).toMatchObject({ deprovision_reason: "INACTIVE" });
    const add = await h.groups.addGroupMembers(
      { tenantId, groupId: group?.id ?? "", userIds: [user.id] },
      scim(),
    );
    expect(add.reprovisionedUserIds).toEqual([]);
    expect(await userRow(h.db, user.id)).toMatchObject({ state: "DEPROVISIONED" });
    expect(await membershipsOf(h.db, user.id)).toEqual([`${group?.id} SCIM DORMANT`]);
  });

  it("R4: admin reads of group members exclude dormant rows unless include_dormant; SCIM reads include them", async () => {
    const active = await scimUser();
    const dormant = await scimUser();
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `Mixed ${++counter}` }, memberUserIds: [active.id, dormant.id] },
      scim(),
    );
    const groupId = group?.id ?? "";
    await setActive(dormant.id, false);

    const adminView = await h.groups.listGroupMembers({ tenantId, groupId, pageSize: 10 }, admin());
    expect(adminView.members.map((m) => m.userId)).toEqual([active.id]);
    expect(adminView.totalSize).toBe(1);
    const adminAll = await h.groups.listGroupMembers(
      { tenantId, groupId, pageSize: 10, includeDormant: true },
      admin(),
    );
    expect(adminAll.totalSize).toBe(2);
    expect(adminAll.members.find((m) => m.userId === dormant.id)).toMatchObject({
      state: MembershipState.DORMANT,
      source: MembershipSource.SCIM,
    });
    const scimView = await h.groups.listGroupMembers({ tenantId, groupId, pageSize: 10 }, scim());
    expect(scimView.members.map((m) => m.userId).sort()).toEqual([active.id, dormant.id].sort());
    expect(scimView.totalSize).toBe(2);
  });

  it("R4: two concurrent IdP re-activations of one user keep exactly one seat, held by the ledger and stored on the user", async () => {
    const user = await scimUser();
    await setActive(user.id, false);
    expect(seats.seatOf(tenantId, user.id)).toBeUndefined();
    await Promise.all([setActive(user.id, true), setActive(user.id, true), setActive(user.id, true)]);
    const row = await userRow(h.db, user.id);
    expect(row).toMatchObject({ state: "PROVISIONED" });
    expect(row?.seat_id).toBeTruthy();
    expect(seats.seatOf(tenantId, user.id)).toBe(row?.seat_id);
  });

  it("R4: a re-activation that loses an etag race gives back no seat the winner holds", async () => {
    const user = await scimUser();
    const deactivated = await setActive(user.id, false);
    const etag = deactivated?.etag ?? "";
    const results = await Promise.allSettled(
      [0, 1].map(() =>
        h.users.updateUser(
          { tenantId, user: { id: user.id, active: true }, updateMask: { paths: ["active"] }, etag },
          scim(),
        ),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const row = await userRow(h.db, user.id);
    expect(row).toMatchObject({ state: "PROVISIONED" });
    expect(seats.seatOf(tenantId, user.id)).toBe(row?.seat_id);
  });

  it("R4: a re-activation addressed by an upper-case id keeps the seat it took", async () => {
    const user = await scimUser();
    await setActive(user.id, false);
    await setActive(user.id.toUpperCase(), true);
    const row = await userRow(h.db, user.id);
    expect(row).toMatchObject({ state: "PROVISIONED" });
    expect(row?.seat_id).toBeTruthy();
    expect(seats.seatOf(tenantId, user.id)).toBe(row?.seat_id);
  });

  it("R4: two concurrent IdP adds of an R7-deprovisioned user to two groups re-provision it once and keep its seat", async () => {
    const user = await scimUser();
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `R7 race ${++counter}` }, memberUserIds: [user.id] },
      scim(),
    );
    await h.groups.removeGroupMembers({ tenantId, groupId: group?.id ?? "", userIds: [user.id] }, scim());
    const targets = [await groupIn(mainAccountId, "Race A"), await groupIn(mainAccountId, "Race B")];
    const adds = await Promise.all(
      targets.map((groupId) => h.groups.addGroupMembers({ tenantId, groupId, userIds: [user.id] }, scim())),
    );
    expect(adds.flatMap((a) => a.reprovisionedUserIds)).toEqual([user.id]);
    const row = await userRow(h.db, user.id);
    expect(row).toMatchObject({ state: "PROVISIONED" });
    expect(seats.seatOf(tenantId, user.id)).toBe(row?.seat_id);
    expect(await auditActions(h.db, user.id)).toEqual(
      expect.arrayContaining(["user.deprovisioned", "user.reprovisioned"]),
    );
    expect((await auditActions(h.db, user.id)).filter((a) => a === "user.reprovisioned")).toHaveLength(1);
  });

  it("R4: an IdP active=true that meets an R7 deprovisioning committed meanwhile re-provisions the user", async () => {
    const user = await scimUser();
    const client = await h.db.connect();
    let update: Promise<unknown> | undefined;
    try {
      // An R7 deprovisioning holds the user's row lock while the IdP's active=true arrives.
      await client.query("begin");
      await client.query("select 1 from identity.app_user where id = $1 for update", [user.id]);
      await client.query(
        `update identity.app_user set active = false, state = 'DEPROVISIONED', seat_id = null,
                deprovision_reason = 'LAST_SCIM_GROUP_REMOVED', version = version + 1 where id = $1`,
        [user.id],
      );
      await client.query("delete from identity.account_membership where user_id = $1", [user.id]);
      update = setActive(user.id, true);
      update.catch(() => undefined);
      await waitForLockWaiter();
      await client.query("commit");
    } finally {
      client.release();
    }
    const updated = (await update) as Awaited<ReturnType<typeof setActive>>;
    expect(updated).toMatchObject({ active: true, state: UserState.PROVISIONED });
    const row = await userRow(h.db, user.id);
    expect(row).toMatchObject({ active: true, state: "PROVISIONED" });
    expect(row?.seat_id).toBeTruthy();
    expect(seats.seatOf(tenantId, user.id)).toBe(row?.seat_id);
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId]);
  });

  it("R4: re-activation needs a seat: with the licence full the IdP's active=true or group add is refused and nothing changes", async () => {
    const { user, scimGroup } = await wellConnectedUser();
    await setActive(user.id, false);
    const r7 = await scimUser();
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `Full ${++counter}` }, memberUserIds: [r7.id] },
      scim(),
    );
    await h.groups.removeGroupMembers({ tenantId, groupId: group?.id ?? "", userIds: [r7.id] }, scim());
    const before = [await userRow(h.db, user.id), await userRow(h.db, r7.id)];
    const auditBefore = [await auditActions(h.db, user.id), await auditActions(h.db, r7.id)];
    seats.full = true;
    try {
      const refused = await rejection(setActive(user.id, true));
      expect(refused.code).toBe(Code.FailedPrecondition);
      expect(reasonOf(refused)).toBe("LICENSE_LIMIT_REACHED");
      const add = await rejection(
        h.groups.addGroupMembers({ tenantId, groupId: scimGroup, userIds: [r7.id] }, scim()),
      );
      expect(reasonOf(add)).toBe("LICENSE_LIMIT_REACHED");
    } finally {
      seats.full = false;
    }
    expect([await userRow(h.db, user.id), await userRow(h.db, r7.id)]).toEqual(before);
    expect([await auditActions(h.db, user.id), await auditActions(h.db, r7.id)]).toEqual(auditBefore);
    expect((await membershipsOf(h.db, user.id)).every((m) => m.endsWith("SCIM DORMANT"))).toBe(true);
    expect(await membershipsOf(h.db, r7.id)).toEqual([]);
    expect(await accountsOf(h.db, user.id)).toEqual([]);
    // Once support raises the limit, the IdP's retry succeeds with no other action (R9).
    await setActive(user.id, true);
    expect(await userRow(h.db, user.id)).toMatchObject({ state: "PROVISIONED" });
  });

  it("R4: an administrator deactivates and re-activates a manual user: seat released, then a new one; back in the default account", async () => {
    const { user } = await h.users.createUser({ tenantId, user: { userName: unique("manual") } }, admin());
    const userId = user?.id ?? "";
    const firstSeat = user?.seatId ?? "";
    await setActive(userId, false, admin());
    expect(await userRow(h.db, userId)).toMatchObject({ state: "DEPROVISIONED", managed_by: "MANUAL" });
    expect(seats.released(firstSeat)).toBe(true);
    await setActive(userId, true, admin());
    expect(await userRow(h.db, userId)).toMatchObject({ state: "PROVISIONED", managed_by: "MANUAL" });
    expect(seats.allocationsFor(userId)).toHaveLength(2);
    expect(await accountsOf(h.db, userId)).toEqual([mainAccountId]);
  });
});
