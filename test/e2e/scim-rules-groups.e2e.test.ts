import { ManagedBy, MembershipSource, MembershipState, UserState } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, type Json, patchOp, type ScimHttp, uniqueName, userBody } from "./scim-http.js";
import { adminOf, type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * The product rules about groups and memberships (R4, R4b, R7, R8, R10, R11, R13–R15, R17,
 * R18, R25) over SCIM HTTP on the whole stack, re-reading stored state over SCIM and, for
 * what SCIM cannot see (manual memberships, accounts, sources), over gRPC.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

const newUser = async (prefix: string, extra: Json = {}) =>
  (await scim.create("Users", userBody(uniqueName(prefix), extra))).id;

const newGroup = async (displayName: string, members: string[] = [], extra: Json = {}) =>
  (
    await scim.create("Groups", {
      schemas: [groupSchema],
      displayName,
      members: members.map((value) => ({ value })),
      ...extra,
    })
  ).id;

/** The member ids SCIM shows for a group (GET /Groups/{id}), sorted. */
const scimMembers = async (groupId: string, tenant: ScimHttp = scim) => {
  const group = await tenant.read("Groups", groupId);
  return ((group.members as { value: string }[] | undefined) ?? []).map((m) => m.value).sort();
};

/** Every membership row of a group as identity-core stores it (support sees dormant ones on request). */
const coreMembers = async (groupId: string, tenantId = s.tenantId) =>
  (
    await s.groups.listGroupMembers({ tenantId, groupId, pageSize: 1000, includeDormant: true }, support)
  ).members.sort((a, b) => a.userId.localeCompare(b.userId));

const active = async (userId: string) => (await scim.read("Users", userId)).active;

const addMembers = (groupId: string, ...ids: string[]) =>
  scim.patch(
    `/Groups/${groupId}`,
    patchOp({ op: "add", path: "members", value: ids.map((value) => ({ value })) }),
  );
const removeMember = (groupId: string, id: string) =>
  scim.patch(`/Groups/${groupId}`, patchOp({ op: "remove", path: `members[value eq "${id}"]` }));

describe("R4 memberships of a deactivated user", () => {
  it("R4: active=false keeps the user's SCIM memberships dormant and shown to SCIM; active=true restores them", async () => {
    const user = await newUser("r4g");
    const group = await newGroup("R4 Responders", [user]);
    const { tenant } = await s.tenants.getTenant({ tenantId: s.tenantId }, support);
    const main = tenant?.mainAccountId ?? "";

    await scim.patch(`/Users/${user}`, patchOp({ op: "replace", path: "active", value: false }));
    expect(await active(user)).toBe(false);
    expect(await scimMembers(group)).toEqual([user]);
    expect(await coreMembers(group)).toMatchObject([{ userId: user, state: MembershipState.DORMANT }]);
    // Administrators do not see dormant rows unless they ask; deprovisioning left every account.
    const adminView = await s.groups.listGroupMembers(
      { tenantId: s.tenantId, groupId: group, pageSize: 10 },
      adminOf(s.tenantId),
    );
    expect(adminView.members).toEqual([]);
    const accounts = await s.accounts.listAccountMembers(
      { tenantId: s.tenantId, accountId: main, pageSize: 1000 },
      support,
    );
    expect(accounts.userIds).not.toContain(user);

    // An IdP add of a deactivated user to another group: a dormant membership, no re-provisioning.
    const other = await newGroup("R4 Other");
    expect((await addMembers(other, user)).status).toBe(204);
    expect(await active(user)).toBe(false);
    expect(await coreMembers(other)).toMatchObject([{ userId: user, state: MembershipState.DORMANT }]);

    await scim.patch(`/Users/${user}`, patchOp({ op: "replace", path: "active", value: true }));
    expect(await active(user)).toBe(true);
    expect(await coreMembers(group)).toMatchObject([{ userId: user, state: MembershipState.ACTIVE }]);
    expect(await coreMembers(other)).toMatchObject([{ userId: user, state: MembershipState.ACTIVE }]);
    const back = await s.accounts.listAccountMembers(
      { tenantId: s.tenantId, accountId: main, pageSize: 1000 },
      support,
    );
    expect(back.userIds).toContain(user);
  });
});

describe("R4b Group PUT", () => {
  it("R4b: a Group PUT without members keeps them; without displayName keeps the name; with members replaces them", async () => {
    const [a, b] = [await newUser("r4b-a"), await newUser("r4b-b")];
    const group = await newGroup("R4b Original", [a, b], { externalId: "r4b-ext" });

    const rename = await scim.put(`/Groups/${group}`, {
      schemas: [groupSchema],
      displayName: "R4b Renamed",
      externalId: "r4b-ext",
    });
    expect(rename.status).toBe(200);
    expect(await scimMembers(group)).toEqual([a, b].sort());

    const noName = await scim.put(`/Groups/${group}`, {
      schemas: [groupSchema],
      externalId: "r4b-ext",
      members: [{ value: b }],
    });
    expect(noName.status).toBe(200);
    expect(await scim.read("Groups", group)).toMatchObject({
      displayName: "R4b Renamed",
      externalId: "r4b-ext",
      members: [{ value: b }],
    });

    // PUT clears omitted optional attributes: externalId.
    await scim.put(`/Groups/${group}`, { schemas: [groupSchema], displayName: "R4b Renamed" });
    expect(await scim.read("Groups", group)).not.toHaveProperty("externalId");
    expect(await scimMembers(group)).toEqual([b]);
  });
});

describe("R7 last SCIM group and R8", () => {
  it("R7: a PATCH remove of a user's last SCIM group deprovisions it (reads active false)", async () => {
    const user = await newUser("r7");
    const group = await newGroup("R7 Only Group", [user]);
    expect((await removeMember(group, user)).status).toBe(204);
    expect(await scimMembers(group)).toEqual([]);
    expect(await active(user)).toBe(false);
    const core = (await s.users.getUser({ tenantId: s.tenantId, userId: user }, support)).user;
    expect(core?.state).toBe(UserState.DEPROVISIONED);
    // An IdP add re-provisions a user that R7 deprovisioned (R4).
    expect((await addMembers(group, user)).status).toBe(204);
    expect(await active(user)).toBe(true);
  });

  it("R7: a user that never had a SCIM group is not affected by group changes", async () => {
    const loner = await newUser("r7-loner");
    const member = await newUser("r7-member");
    const group = await newGroup("R7 Unrelated", [member]);
    await removeMember(group, loner);
    await scim.delete(`/Groups/${group}`);
    expect(await active(loner)).toBe(true);
  });

  it("R8: removed from one SCIM group but still in another, the user keeps every other membership, manual ones included", async () => {
    const user = await newUser("r8");
    const first = await newGroup("R8 First", [user]);
    const second = await newGroup("R8 Second", [user]);
    const { group: manual } = await s.groups.createGroup(
      { tenantId: s.tenantId, group: { displayName: "R8 Manual" }, memberUserIds: [user] },
      adminOf(s.tenantId),
    );
    expect((await removeMember(first, user)).status).toBe(204);
    expect(await active(user)).toBe(true);
    expect(await scimMembers(first)).toEqual([]);
    expect(await scimMembers(second)).toEqual([user]);
    expect(await coreMembers(manual?.id ?? "")).toMatchObject([
      { userId: user, source: MembershipSource.MANUAL, state: MembershipState.ACTIVE },
    ]);
  });
});

describe("R10 manual memberships of manual users", () => {
  it("R10: are invisible to SCIM GET and untouched by SCIM PUT, PATCH and group DELETE", async () => {
    const scimUser = await newUser("r10-scim");
    const group = await newGroup("R10 Mixed", [scimUser]);
    const { user: manual } = await s.users.createUser(
      { tenantId: s.tenantId, user: { userName: uniqueName("r10-manual"), displayName: "Manual Mo" } },
      adminOf(s.tenantId),
    );
    const manualId = manual?.id ?? "";
    await s.groups.addGroupMembers(
      { tenantId: s.tenantId, groupId: group, userIds: [manualId] },
      adminOf(s.tenantId),
    );
    expect(await scimMembers(group)).toEqual([scimUser]);
    const filtered = await scim.filter("Groups", `members[value eq "${manualId}"]`);
    expect(filtered.body.totalResults).toBe(0);

    const stillThere = async () =>
      expect((await coreMembers(group)).map((m) => m.userId)).toContain(manualId);

    // PUT with a full member list that does not name the manual user.
    expect(
      (await scim.put(`/Groups/${group}`, { schemas: [groupSchema], displayName: "R10 Mixed", members: [] }))
        .status,
    ).toBe(200);
    await stillThere();
    // PATCH replace members and an explicit removal by value.
    await scim.patch(
      `/Groups/${group}`,
      patchOp({ op: "replace", path: "members", value: [{ value: scimUser }] }),
    );
    await stillThere();
    expect((await removeMember(group, manualId)).status).toBe(204);
    await stillThere();
    expect(await scimMembers(group)).toEqual([scimUser]);
    // Nothing of this adopted the manual user.
    const { user: after } = await s.users.getUser({ tenantId: s.tenantId, userId: manualId }, support);
    expect(after?.managedBy).toBe(ManagedBy.MANUAL);

    // Group DELETE: the group is gone, the manual user is not deprovisioned.
    expect((await scim.delete(`/Groups/${group}`)).status).toBe(204);
    expect(after?.state).toBe(UserState.PROVISIONED);
    const { user: final } = await s.users.getUser({ tenantId: s.tenantId, userId: manualId }, support);
    expect(final?.state).toBe(UserState.PROVISIONED);
  });
});

describe("R11 the IdP takes control", () => {
  it("R11: reading a manual group links nothing; the first write links it; a SCIM add turns a manual membership SCIM", async () => {
    const scimUser = await newUser("r11");
    const { user: manualUser } = await s.users.createUser(
      { tenantId: s.tenantId, user: { userName: uniqueName("r11-manual"), displayName: "Manual Meg" } },
      adminOf(s.tenantId),
    );
    const { group } = await s.groups.createGroup(
      {
        tenantId: s.tenantId,
        group: { displayName: "R11 Manual Group" },
        memberUserIds: [scimUser, manualUser?.id ?? ""],
      },
      adminOf(s.tenantId),
    );
    const groupId = group?.id ?? "";
    const linked = async () =>
      (await s.groups.getGroup({ tenantId: s.tenantId, groupId }, support)).group?.scimLinked;

    // A SCIM user's manual membership is visible to SCIM (R10); reads link nothing.
    expect(await scimMembers(groupId)).toEqual([scimUser]);
    await scim.filter("Groups", 'displayName eq "R11 Manual Group"');
    expect(await linked()).toBe(false);

    expect((await addMembers(groupId, scimUser)).status).toBe(204);
    expect(await linked()).toBe(true);
    const rows = await coreMembers(groupId);
    expect(rows.find((m) => m.userId === scimUser)?.source).toBe(MembershipSource.SCIM);
    expect(rows.find((m) => m.userId === manualUser?.id)?.source).toBe(MembershipSource.MANUAL);
  });
});

describe("R13 uniqueness and R14 optional displayName", () => {
  it("R13: a duplicate group externalId is 409; a duplicate linked displayName is 409 case-insensitively", async () => {
    const group = await newGroup("R13 Team", [], { externalId: "r13-ext" });
    const dupExt = await scim.post("/Groups", {
      schemas: [groupSchema],
      displayName: "R13 Other",
      externalId: "r13-ext",
    });
    expect(dupExt.status).toBe(409);
    expect(dupExt.body).toMatchObject({ status: "409", scimType: "uniqueness" });
    const dupName = await scim.post("/Groups", { schemas: [groupSchema], displayName: "r13 TEAM" });
    expect(dupName.status).toBe(409);
    expect(dupName.body).toMatchObject({ scimType: "uniqueness" });
    expect((await scim.filter("Groups", 'displayName eq "R13 Other"')).body.totalResults).toBe(0);
    // A rename onto another linked group's name is refused too.
    const second = await newGroup("R13 Second");
    const rename = await scim.patch(
      `/Groups/${second}`,
      patchOp({ op: "replace", path: "displayName", value: "R13 TEAM" }),
    );
    expect(rename.status).toBe(409);
    expect((await scim.read("Groups", second)).displayName).toBe("R13 Second");
    // Absence of externalId is allowed any number of times (Okta).
    await newGroup("R13 No Ext 1");
    await newGroup("R13 No Ext 2");
    expect(group).toBeTruthy();
  });

  it("R13: manual groups may share a name; linking one whose name a linked group holds is 409; filters return every match", async () => {
    const linked = await newGroup("R13 Shared");
    const make = async () =>
      (
        await s.groups.createGroup(
          { tenantId: s.tenantId, group: { displayName: "R13 Shared" } },
          adminOf(s.tenantId),
        )
      ).group?.id ?? "";
    const [m1, m2] = [await make(), await make()];
    const all = await scim.filter("Groups", 'displayName eq "R13 Shared"', { excludedAttributes: "members" });
    expect(all.body.totalResults).toBe(3);
    expect(all.body.Resources.map((g: { id: string }) => g.id).sort()).toEqual([linked, m1, m2].sort());
    const user = await newUser("r13-link");
    const res = await addMembers(m1, user);
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(linked);
    expect((await s.groups.getGroup({ tenantId: s.tenantId, groupId: m1 }, support)).group?.scimLinked).toBe(
      false,
    );
  });

  it("R14: a group created without displayName is named from its externalId; updates without one keep the name", async () => {
    const created = await scim.create("Groups", { schemas: [groupSchema], externalId: "r14-objectid" });
    expect(created.displayName).toBe("r14-objectid");
    const id = created.id;
    await scim.patch(`/Groups/${id}`, patchOp({ op: "replace", path: "externalId", value: "r14-new" }));
    expect(await scim.read("Groups", id)).toMatchObject({
      displayName: "r14-objectid",
      externalId: "r14-new",
    });
    const none = await scim.post("/Groups", { schemas: [groupSchema] });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ scimType: "invalidValue" });
  });
});

describe("R15 group accounts", () => {
  it("R15: an IdP group lands in the default account; a user added to it joins that account and stays after removal", async () => {
    const other = await s.newTenant("R15 Customer");
    const { tenant } = await s.tenants.getTenant({ tenantId: other.tenantId }, support);
    const { account } = await s.accounts.createAccount(
      { tenantId: other.tenantId, parentAccountId: tenant?.mainAccountId, displayName: "Region North" },
      support,
    );
    await s.tenants.updateTenant(
      {
        tenant: { id: other.tenantId, settings: { defaultAccountId: account?.id } },
        updateMask: { paths: ["settings.default_account_id"] },
      },
      support,
    );
    const [a, b] = [
      (await other.http.create("Users", userBody(uniqueName("r15-a")))).id,
      (await other.http.create("Users", userBody(uniqueName("r15-b")))).id,
    ];
    const group = (
      await other.http.create("Groups", { schemas: [groupSchema], displayName: "R15 North Team" })
    ).id;
    const { group: stored } = await s.groups.getGroup({ tenantId: other.tenantId, groupId: group }, support);
    expect(stored?.accountId).toBe(account?.id);

    await other.http.patch(
      `/Groups/${group}`,
      patchOp({ op: "add", path: "members", value: [{ value: a }, { value: b }] }),
    );
    const members = async () =>
      (
        await s.accounts.listAccountMembers(
          { tenantId: other.tenantId, accountId: account?.id, pageSize: 100 },
          support,
        )
      ).userIds;
    expect(await members()).toEqual(expect.arrayContaining([a, b]));
    // b stays in another group; removal from this one does not remove it from the account.
    const keep = (
      await other.http.create("Groups", {
        schemas: [groupSchema],
        displayName: "R15 Keep",
        members: [{ value: b }],
      })
    ).id;
    await other.http.patch(`/Groups/${group}`, patchOp({ op: "remove", path: `members[value eq "${b}"]` }));
    expect(await members()).toContain(b);
    expect(keep).toBeTruthy();
  });
});

describe("R17 and R18 group deletion", () => {
  it("R17: an IdP DELETE deprovisions members whose last SCIM group it was; members of other groups stay", async () => {
    const [only, both] = [await newUser("r17-only"), await newUser("r17-both")];
    const group = await newGroup("R17 Doomed", [only, both]);
    const other = await newGroup("R17 Survivor", [both]);
    expect((await scim.delete(`/Groups/${group}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${group}`)).status).toBe(404);
    expect(await active(only)).toBe(false);
    expect(await active(both)).toBe(true);
    expect(await scimMembers(other)).toEqual([both]);
  });

  it("R18: a group deleted in the admin panel answers 404 saying so; nobody is deprovisioned; a new POST is not blocked", async () => {
    const user = await newUser("r18");
    const group = await newGroup("R18 Admin Deletes", [user], { externalId: "r18-ext" });
    await s.groups.deleteGroup({ tenantId: s.tenantId, groupId: group }, adminOf(s.tenantId));

    for (const res of [
      await scim.get(`/Groups/${group}`),
      await addMembers(group, user),
      await scim.patch(`/Groups/${group}`, patchOp({ op: "Remove", path: "members", value: [] })),
      await scim.put(`/Groups/${group}`, { schemas: [groupSchema], displayName: "R18 Admin Deletes" }),
      await scim.delete(`/Groups/${group}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.detail).toMatch(/admin panel/i);
    }
    expect(await active(user)).toBe(true);
    // Only the owning tenant learns that it existed.
    const other = await s.newTenant("R18 Other");
    const foreign = await other.http.get(`/Groups/${group}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.detail).not.toMatch(/admin panel/i);
    // The tombstone never blocks a new POST of the same externalId or name.
    const again = await scim.create("Groups", {
      schemas: [groupSchema],
      displayName: "R18 Admin Deletes",
      externalId: "r18-ext",
    });
    expect(again.id).not.toBe(group);
  });
});

describe("R21 groups of another tenant", () => {
  it("R21: another tenant's group ids answer 404 exactly like missing ids", async () => {
    const group = await newGroup("R21 Private Group");
    const other = await s.newTenant("R21 Group Other");
    const missing = "00000000-0000-4000-8000-000000000000";
    const attempts = (id: string) => [
      other.http.get(`/Groups/${id}`),
      other.http.put(`/Groups/${id}`, { schemas: [groupSchema], displayName: "x" }),
      other.http.patch(`/Groups/${id}`, patchOp({ op: "replace", path: "displayName", value: "x" })),
      // A PATCH that changes nothing still names the group.
      other.http.patch(`/Groups/${id}`, patchOp({ op: "Remove", path: "members", value: [] })),
      other.http.delete(`/Groups/${id}`),
    ];
    const foreign = await Promise.all(attempts(group));
    const absent = await Promise.all(attempts(missing));
    for (const [i, res] of foreign.entries()) {
      expect(res.status).toBe(404);
      expect(res.text.replace(group, "<id>")).toBe(absent[i]?.text.replace(missing, "<id>"));
    }
    expect((await scim.read("Groups", group)).displayName).toBe("R21 Private Group");
  });
});

describe("R25 large groups", () => {
  it("R25: GET with excludedAttributes=members has no members key; a PATCH adding one member answers 204", async () => {
    const [a, b] = [await newUser("r25-a"), await newUser("r25-b")];
    const group = await newGroup("R25 Big", [a]);
    const slim = await scim.get(`/Groups/${group}?excludedAttributes=members`);
    expect(slim.status).toBe(200);
    expect(slim.body).not.toHaveProperty("members");
    const list = await scim.filter("Groups", 'displayName eq "R25 Big"', { excludedAttributes: "members" });
    expect(list.body.Resources[0]).not.toHaveProperty("members");
    const add = await addMembers(group, b);
    expect(add.status).toBe(204);
    expect(add.text).toBe("");
    expect(await scimMembers(group)).toEqual([a, b].sort());
    // With attributes asked for, PATCH answers 200 with them.
    const asked = await scim.patch(
      `/Groups/${group}?attributes=displayName`,
      patchOp({ op: "replace", path: "displayName", value: "R25 Bigger" }),
    );
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ id: group, displayName: "R25 Bigger" });
    expect(asked.body).not.toHaveProperty("members");
  });

  it("R25: a 2 MB Group PATCH body of member ids is accepted; unknown ids are 400 and add nothing", async () => {
    const [a, b] = [await newUser("r25-large-a"), await newUser("r25-large-b")];
    const group = await newGroup("R25 Large Body");
    // 2 MB of member ids (the two users, repeated): above the 1 MB limit of other endpoints.
    const value = Array.from({ length: 45_000 }, (_, i) => ({ value: i % 2 ? a : b }));
    const body = patchOp({ op: "add", path: "members", value });
    expect(JSON.stringify(body).length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await scim.patch(`/Groups/${group}`, body);
    expect(res.status).toBe(204);
    expect(await scimMembers(group)).toEqual([a, b].sort());
    // Ids that are no users: a 400 (naming a few), not a crash, and nothing changes.
    const ids = Array.from(
      { length: 30_000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    const many = await scim.patch(
      `/Groups/${group}`,
      patchOp({ op: "add", path: "members", value: ids.map((id) => ({ value: id })) }),
    );
    expect(many.status).toBe(400);
    expect(await scimMembers(group)).toEqual([a, b].sort());
  });
});
