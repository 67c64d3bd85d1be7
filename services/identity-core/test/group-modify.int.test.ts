import { randomUUID } from "node:crypto";
import { MembershipSource, type ModifyGroupRequest } from "@cosafe/proto/identity";
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
  unique,
  userRow,
} from "./support/group-harness.js";

/**
 * ModifyGroup (ADR 0014): one SCIM PATCH or PUT of a group is one transaction. A refusal
 * anywhere in it leaves the group, its members and every user as they were, R7 included;
 * writes that name the same etag serialise on the group row, so exactly one wins.
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

type Change = Omit<Partial<ModifyGroupRequest>, "$typeName" | "replaceMembers"> & { replace?: string[] };

function modify(groupId: string, change: Change, who: "scim" | "admin" = "scim") {
  const { replace, ...rest } = change;
  return h.groups.modifyGroup(
    {
      tenantId: t.tenantId,
      groupId,
      ...rest,
      ...(replace ? { replaceMembers: { userIds: replace } } : {}),
    },
    who === "scim" ? t.scim : t.admin,
  );
}

async function etagOf(groupId: string): Promise<string> {
  const { group } = await h.groups.getGroup({ tenantId: t.tenantId, groupId }, t.scim);
  return group?.etag ?? "";
}

/** Everything a failed write must leave alone: the group row, memberships, users, audit and change events. */
async function snapshot(groupId: string, userIds: string[]) {
  const { rows: events } = await h.db.query<{ n: number }>(
    "select count(*)::int as n from identity.change_event where tenant_id = $1",
    [t.tenantId],
  );
  const { rows: audits } = await h.db.query<{ n: number }>(
    "select count(*)::int as n from identity.audit_event where tenant_id = $1",
    [t.tenantId],
  );
  return {
    group: await groupRow(h.db, groupId),
    etag: await etagOf(groupId),
    members: await t.memberIds(groupId),
    users: await Promise.all(
      userIds.map(async (id) => ({
        row: await userRow(h.db, id),
        memberships: await membershipsOf(h.db, id),
        accounts: await accountsOf(h.db, id),
      })),
    ),
    changeEvents: events[0]?.n,
    auditEvents: audits[0]?.n,
  };
}

describe("ModifyGroup: one group write, one transaction (ADR 0014)", () => {
  it("R7: remove A plus add of an unknown id fails NOT_FOUND and leaves group, members and A exactly as before (A not deprovisioned)", async () => {
    const a = await t.scimUser();
    const b = await t.scimUser();
    const group = await t.scimGroup([a, b]);
    const before = await snapshot(group.id, [a, b]);

    const error = await rejection(modify(group.id, { removeUserIds: [a], addUserIds: [randomUUID()] }));

    expectError(error, Code.NotFound, "MEMBER_NOT_FOUND");
    expect(await snapshot(group.id, [a, b])).toEqual(before);
    expect(before.users[0]?.row.state).toBe("PROVISIONED");
  });

  it("R13: a rename that clashes with another linked group rolls back the removals and additions of the same write", async () => {
    const a = await t.scimUser();
    const b = await t.scimUser();
    const taken = await t.scimGroup([], unique("Taken"));
    const group = await t.scimGroup([a]);
    const before = await snapshot(group.id, [a, b]);

    const error = await rejection(
      modify(group.id, { displayName: taken.displayName.toUpperCase(), removeUserIds: [a], addUserIds: [b] }),
    );

    expectError(error, Code.AlreadyExists, "GROUP_NAME_TAKEN");
    expect(await snapshot(group.id, [a, b])).toEqual(before);
  });

  it("removes then adds, renames, and answers the group with its new etag and, when asked, its members", async () => {
    const [a, b, c] = [await t.scimUser(), await t.scimUser(), await t.scimUser()];
    await t.scimGroup([a]); // keeps a provisioned when it leaves (R8)
    const group = await t.scimGroup([a, b]);
    const name = unique("Renamed");

    const out = await modify(group.id, {
      etag: group.etag,
      displayName: `  ${name} `,
      externalId: "ext-1",
      removeUserIds: [a],
      addUserIds: [c],
      returnMembers: true,
    });

    expect(out.group?.displayName).toBe(name);
    expect(out.group?.externalId).toBe("ext-1");
    expect(out.addedUserIds).toEqual([c]);
    expect(out.removedUserIds).toEqual([a]);
    expect(out.deprovisionedUserIds).toEqual([]);
    expect(out.members.map((m) => m.userId)).toEqual([b, c].sort());
    expect(out.members.every((m) => m.source === MembershipSource.SCIM)).toBe(true);
    expect(out.nextMemberPageToken).toBe("");
    expect(out.group?.etag).not.toBe(group.etag);
    expect(out.group?.etag).toBe(await etagOf(group.id));
    expect(await auditCount(h.db, "group.updated", group.id)).toBe(1);
  });

  it("R14: an absent or blank displayName keeps the name; an empty externalId clears it", async () => {
    const group = await t.scimGroup();
    await modify(group.id, { externalId: "keep-me" });
    const blank = await modify(group.id, { displayName: "   ", externalId: "" });
    expect(blank.group?.displayName).toBe(group.displayName);
    expect(blank.group?.externalId).toBe("");
    expect((await groupRow(h.db, group.id))?.external_id).toBeNull();
  });

  it("R11: the identity provider's membership write links a manual group; a write that names no change links nothing", async () => {
    const manualUser = await t.manualUser();
    const idpUser = await t.scimUser();
    const group = await t.manualGroup([manualUser]);

    const empty = await modify(group.id, { etag: group.etag });
    expect(empty.group?.scimLinked).toBe(false);
    expect(empty.group?.etag).toBe(group.etag);

    const linked = await modify(group.id, { addUserIds: [idpUser] });
    expect(linked.group?.scimLinked).toBe(true);
    expect(linked.group?.etag).toBe(await etagOf(group.id));
    // R10: the manual user's manual membership stays, invisible to SCIM.
    expect(await t.memberIds(group.id)).toEqual([idpUser]);
    expect(await t.memberIds(group.id, "admin")).toEqual([manualUser, idpUser].sort());
  });

  it("replaces the visible members (R10) with a full list; a full list with ids to add is refused", async () => {
    const [a, b, c] = [await t.scimUser(), await t.scimUser(), await t.scimUser()];
    await t.scimGroup([a, b]);
    const group = await t.scimGroup([a, b]);
    const out = await modify(group.id, { replace: [b, c] });
    expect({ added: out.addedUserIds, removed: out.removedUserIds }).toEqual({ added: [c], removed: [a] });
    expect(await t.memberIds(group.id)).toEqual([b, c].sort());

    const error = await rejection(modify(group.id, { replace: [a], addUserIds: [b] }));
    expectError(error, Code.InvalidArgument, "MEMBER_CHANGES_CONFLICT");
  });

  it("R7: a removal that takes a user's last SCIM group deprovisions it in the same write", async () => {
    const a = await t.scimUser();
    const group = await t.scimGroup([a]);
    const out = await modify(group.id, { removeUserIds: [a] });
    expect(out.deprovisionedUserIds).toEqual([a]);
    expect(await userRow(h.db, a)).toMatchObject({ state: "DEPROVISIONED" });
  });

  it("R23: two concurrent membership writes with the same etag give one success and one ETAG_MISMATCH", async () => {
    const [a, b] = [await t.scimUser(), await t.scimUser()];
    const group = await t.scimGroup();
    for (let round = 0; round < 3; round++) {
      const etag = await etagOf(group.id);
      const [first, second] = [await t.scimUser(), await t.scimUser()];
      const outcomes = await Promise.allSettled([
        modify(group.id, { etag, addUserIds: [first] }),
        modify(group.id, { etag, addUserIds: [second] }),
      ]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o) => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expectError((lost[0] as PromiseRejectedResult).reason, Code.Aborted, "ETAG_MISMATCH");
      expect(await t.memberIds(group.id)).toHaveLength(round + 1);
    }
    // A stale etag fails even when the write would change nothing.
    const stale = await rejection(modify(group.id, { etag: "0.0", removeUserIds: [a, b] }));
    expectError(stale, Code.Aborted, "ETAG_MISMATCH");
  });

  it("answers NOT_FOUND for a group that does not exist, even with no change named", async () => {
    expectError(await rejection(modify(randomUUID(), {})), Code.NotFound, "GROUP_NOT_FOUND");
  });
});
