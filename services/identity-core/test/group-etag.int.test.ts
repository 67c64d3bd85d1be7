import { FilterOperator, GroupField } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code,
  expectError,
  type GroupHarness,
  groupRow,
  rejection,
  startGroupHarness,
  statementsOf,
  TenantKit,
  unique,
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

async function etagOf(groupId: string): Promise<string> {
  const { group } = await h.groups.getGroup({ tenantId: t.tenantId, groupId }, t.scim);
  return group?.etag ?? "";
}

/** Statements that write or lock the group row itself. */
const touchesGroupRow = (sql: string) =>
  /update\s+"?identity"?\."?app_group"?\s/i.test(sql) ||
  /from\s+"?identity"?\."?app_group"?[^;]*for\s+(no\s+key\s+)?update/i.test(sql);

describe("group ETags (R23) without a hot group row (R25)", () => {
  it("R25: membership changes change the group's etag without rewriting or locking the group row", async () => {
    const [a, b] = [await t.scimUser(), await t.scimUser()];
    const group = await t.scimGroup([a]);
    await t.scimGroup([b]); // keeps b provisioned when it leaves `group` (R8)
    const row = await groupRow(h.db, group.id);
    const etags = [await etagOf(group.id)];

    const statements = await statementsOf(h, async () => {
      await t.addMembers(group.id, [b]);
      etags.push(await etagOf(group.id));
      await t.removeMembers(group.id, [b]);
      etags.push(await etagOf(group.id));
      await t.addMembers(group.id, [b], "admin");
      etags.push(await etagOf(group.id));
      await t.replaceMembers(group.id, [a]);
      etags.push(await etagOf(group.id));
    });

    expect(new Set(etags).size).toBe(etags.length);
    expect(statements.filter(touchesGroupRow)).toEqual([]);
    const after = await groupRow(h.db, group.id);
    expect({ version: after?.version, updated_at: after?.updated_at }).toEqual({
      version: row?.version,
      updated_at: row?.updated_at,
    });
    // Control: a rename does lock and write the row (select … for update, then update), and the matcher sees both.
    const rename = await statementsOf(h, () =>
      h.groups.updateGroup(
        {
          tenantId: t.tenantId,
          group: { id: group.id, displayName: unique("Renamed") },
          updateMask: { paths: ["display_name"] },
        },
        t.scim,
      ),
    );
    expect(rename.filter(touchesGroupRow)).toHaveLength(2);
    // A no-op change (adding an existing member) leaves the etag alone.
    const stable = await etagOf(group.id);
    await t.addMembers(group.id, [a]);
    expect(await etagOf(group.id)).toBe(stable);
    // Lists carry the same etag as a read.
    const { groups } = await h.groups.listGroups(
      {
        tenantId: t.tenantId,
        pageSize: 1,
        filter: {
          expression: {
            case: "condition",
            value: {
              field: GroupField.ID,
              operator: FilterOperator.EQUAL,
              value: { kind: { case: "stringValue", value: group.id } },
            },
          },
        },
      },
      t.scim,
    );
    expect(groups[0]?.etag).toBe(stable);
  });

  it("R25: a transaction holding the group row (as a rename does) does not block member adds and removals", async () => {
    const [a, b] = [await t.scimUser(), await t.scimUser()];
    const group = await t.scimGroup([a]);
    const holder = await h.db.connect();
    try {
      await holder.query("begin");
      await holder.query("select 1 from identity.app_group where id = $1 for no key update", [group.id]);
      const added = await Promise.race([
        t.addMembers(group.id, [b]).then(() => t.removeMembers(group.id, [a])),
        new Promise((resolve) => setTimeout(() => resolve("blocked"), 5_000)),
      ]);
      expect(added).not.toBe("blocked");
    } finally {
      await holder.query("rollback");
      holder.release();
    }
    expect(await t.memberIds(group.id)).toEqual([b]);
  });

  it("R25: twenty parallel adds and removals on one group lose nothing", async () => {
    const users = await t.seedUsers(40);
    const group = await t.scimGroup(users.slice(20));
    await Promise.all([
      ...users.slice(0, 20).map((u) => t.addMembers(group.id, [u])),
      ...users.slice(20, 30).map((u) => t.removeMembers(group.id, [u])),
    ]);
    expect(await t.memberIds(group.id)).toEqual([...users.slice(0, 20), ...users.slice(30)].sort());
  });

  // Needs deprovisionUsers (src/domain/provisioning, user-side code) to record MEMBERSHIP_CHANGED for
  // each group whose manual memberships it deletes: `delete … returning group_id`, then one event per group.
  it("R7: a deprovisioning that removes a SCIM user's manual membership of another group changes that group's etag", async () => {
    const user = await t.scimUser();
    const idpGroup = await t.scimGroup([user]);
    const other = await t.scimGroup();
    await t.addMembers(other.id, [user], "admin"); // visible to SCIM: the user is SCIM-managed (R10)
    const before = await etagOf(other.id);
    expect(await t.memberIds(other.id)).toEqual([user]);

    await t.removeMembers(idpGroup.id, [user]); // R7 deprovisions, manual memberships go (R4)

    expect(await t.memberIds(other.id)).toEqual([]);
    expect(await etagOf(other.id)).not.toBe(before);
  });

  it("UpdateGroup and DeleteGroup with a stale etag are ABORTED ETAG_MISMATCH and change nothing", async () => {
    const user = await t.scimUser();
    const group = await t.scimGroup([], unique("Etag Group"));
    const stale = await etagOf(group.id);
    await t.addMembers(group.id, [user]);

    const update = await rejection(
      h.groups.updateGroup(
        {
          tenantId: t.tenantId,
          group: { id: group.id, displayName: unique("Renamed") },
          updateMask: { paths: ["display_name"] },
          etag: stale,
        },
        t.scim,
      ),
    );
    expectError(update, Code.Aborted, "ETAG_MISMATCH");
    const remove = await rejection(
      h.groups.deleteGroup({ tenantId: t.tenantId, groupId: group.id, etag: stale }, t.scim),
    );
    expectError(remove, Code.Aborted, "ETAG_MISMATCH");
    expect((await groupRow(h.db, group.id))?.display_name).toBe(group.displayName);
    expect(await t.memberIds(group.id)).toEqual([user]);

    const current = await etagOf(group.id);
    const renamed = unique("Renamed");
    const { group: updated } = await h.groups.updateGroup(
      {
        tenantId: t.tenantId,
        group: { id: group.id, displayName: renamed },
        updateMask: { paths: ["display_name"] },
        etag: current,
      },
      t.scim,
    );
    expect(updated?.displayName).toBe(renamed);
    expect(updated?.etag).not.toBe(current);
    expect(updated?.etag).toBe(await etagOf(group.id));
  });
});
