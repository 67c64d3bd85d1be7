import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code,
  expectError,
  type GroupHarness,
  groupRow,
  membershipsOf,
  rejection,
  startGroupHarness,
  TenantKit,
  unique,
  userRow,
} from "./support/group-harness.js";

/**
 * Issue 16: the support pause (TenantService.PauseScim) is enforced by identity-core's own
 * write paths, over gRPC, not only by the facade's token cache: every identity-provider write
 * is refused UNAVAILABLE SCIM_PAUSED and changes nothing; reads and administrators go on.
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

async function changeEvents(): Promise<number> {
  const { rows } = await h.db.query<{ n: number }>(
    "select count(*)::int as n from identity.change_event where tenant_id = $1",
    [t.tenantId],
  );
  return rows[0]?.n ?? 0;
}

describe("issue 16: SCIM pause in identity-core's write paths", () => {
  it("while paused, every SCIM write over gRPC is UNAVAILABLE SCIM_PAUSED and stores nothing; reads, admin writes and resume work", async () => {
    const user = await t.scimUser();
    const other = await t.scimUser();
    const group = await t.scimGroup([user]);
    await h.tenants.pauseScim({ tenantId: t.tenantId, reason: "IdP misconfigured" }, t.support);
    const events = await changeEvents();
    const before = { user: await userRow(h.db, user), memberships: await membershipsOf(h.db, user) };
    const tenantId = t.tenantId;

    const refused = [
      () => h.users.createUser({ tenantId, user: { userName: `${unique("paused")}@example.com` } }, t.scim),
      () =>
        h.users.updateUser(
          { tenantId, user: { id: user, displayName: "Changed" }, updateMask: { paths: ["display_name"] } },
          t.scim,
        ),
      () => h.users.deleteUser({ tenantId, userId: user }, t.scim),
      () => h.groups.createGroup({ tenantId, group: { displayName: unique("Paused") } }, t.scim),
      () =>
        h.groups.updateGroup(
          {
            tenantId,
            group: { id: group.id, displayName: "Changed" },
            updateMask: { paths: ["display_name"] },
          },
          t.scim,
        ),
      () => h.groups.modifyGroup({ tenantId, groupId: group.id, removeUserIds: [user] }, t.scim),
      () => h.groups.addGroupMembers({ tenantId, groupId: group.id, userIds: [other] }, t.scim),
      () => h.groups.removeGroupMembers({ tenantId, groupId: group.id, userIds: [user] }, t.scim),
      () => h.groups.replaceGroupMembers({ tenantId, groupId: group.id, userIds: [] }, t.scim),
      () => h.groups.deleteGroup({ tenantId, groupId: group.id }, t.scim),
    ];
    for (const call of refused) expectError(await rejection(call()), Code.Unavailable, "SCIM_PAUSED");

    expect(await changeEvents()).toBe(events);
    expect({ user: await userRow(h.db, user), memberships: await membershipsOf(h.db, user) }).toEqual(before);
    expect((await groupRow(h.db, group.id))?.display_name).toBe(group.displayName);
    // Reads go on for the identity provider; administrators keep working.
    expect((await h.groups.getGroup({ tenantId, groupId: group.id }, t.scim)).group?.id).toBe(group.id);
    expect((await h.users.getUser({ tenantId, userId: user }, t.scim)).user?.id).toBe(user);
    const manual = await t.manualGroup();
    await h.groups.modifyGroup({ tenantId, groupId: manual.id, addUserIds: [other] }, t.admin);
    expect(await t.memberIds(manual.id, "admin")).toEqual([other]);

    await h.tenants.resumeScim({ tenantId }, t.support);
    const out = await h.groups.modifyGroup({ tenantId, groupId: group.id, addUserIds: [other] }, t.scim);
    expect(out.addedUserIds).toEqual([other]);
  });

  it("a pause waits for a SCIM write in flight and refuses the next (the tenant row orders them)", async () => {
    const tenant = await TenantKit.create(h);
    const user = await tenant.scimUser();
    const group = await tenant.scimGroup();
    // Hold the user's row so the write stops inside its transaction, after its pause check.
    const holder = await h.db.connect();
    await holder.query("begin");
    await holder.query("select 1 from identity.app_user where id = $1 for update", [user]);
    const write = h.groups.modifyGroup(
      { tenantId: tenant.tenantId, groupId: group.id, addUserIds: [user] },
      tenant.scim,
    );
    // Wait until the write blocks on the held user row.
    for (let i = 0; i < 500; i++) {
      const { rows } = await h.db.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if ((rows[0]?.n ?? 0) >= 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const pause = h.tenants.pauseScim({ tenantId: tenant.tenantId, reason: "now" }, tenant.support);
    await holder.query("commit");
    holder.release();
    expect((await write).addedUserIds).toEqual([user]);
    expect((await pause).changed).toBe(true);
    expectError(
      await rejection(
        h.groups.modifyGroup(
          { tenantId: tenant.tenantId, groupId: group.id, removeUserIds: [user] },
          tenant.scim,
        ),
      ),
      Code.Unavailable,
      "SCIM_PAUSED",
    );
  });
});
