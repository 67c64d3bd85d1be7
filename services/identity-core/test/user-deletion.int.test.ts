import { Code } from "@connectrpc/connect";
import { ManagedBy } from "@cosafe/proto/identity";
import { reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminActor, as, scimActor } from "./support/core-harness.js";
import {
  accountsOf,
  auditActions,
  membershipsOf,
  RecordingSeats,
  rejection,
  startUserHarness,
  type UserHarness,
  userRow,
} from "./support/user-harness.js";

let h: UserHarness;
const seats = new RecordingSeats();
let tenantId: string;
let counter = 0;

beforeAll(async () => {
  h = await startUserHarness({ seats });
  tenantId = await h.newTenant("Deletion AB");
});

afterAll(() => h?.close());

const scim = () => as(scimActor(tenantId));
const admin = () => as(adminActor(tenantId));
const unique = (prefix: string) => `${prefix}-${++counter}@deletion.test`;

async function create(actor: ReturnType<typeof scim>, userName: string, active?: boolean) {
  const { user } = await h.users.createUser({ tenantId, user: { userName, active } }, actor);
  if (!user) throw new Error("no user");
  return user;
}

describe("R5 deletion", () => {
  it("R5: DeleteUser deprovisions and removes the record: later reads are NOT_FOUND, seat released, audit events naming the old id remain", async () => {
    const user = await create(scim(), unique("gone"));
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `Before delete ${++counter}` }, memberUserIds: [user.id] },
      scim(),
    );
    await h.users.inviteUser({ tenantId, userId: user.id, email: "gone@deletion.test" }, admin());

    await h.users.deleteUser({ tenantId, userId: user.id }, scim());

    const read = await rejection(h.users.getUser({ tenantId, userId: user.id }, scim()));
    expect(read.code).toBe(Code.NotFound);
    expect(reasonOf(read)).toBe("USER_NOT_FOUND");
    const adminRead = await rejection(h.users.getUser({ tenantId, userId: user.id }, admin()));
    expect(adminRead.code).toBe(Code.NotFound);
    const listed = await h.users.listUsers({ tenantId, pageSize: 1000 }, scim());
    expect(listed.users.map((u) => u.id)).not.toContain(user.id);
    expect(await userRow(h.db, user.id)).toBeUndefined();
    expect(await membershipsOf(h.db, user.id)).toEqual([]);
    expect(await accountsOf(h.db, user.id)).toEqual([]);
    const members = await h.groups.listGroupMembers(
      { tenantId, groupId: group?.id ?? "", pageSize: 10, includeDormant: true },
      admin(),
    );
    expect(members.totalSize).toBe(0);
    expect(seats.released(user.seatId)).toBe(true);

    expect(await auditActions(h.db, user.id)).toEqual([
      "user.created",
      "user.invited",
      "user.deprovisioned",
      "user.deleted",
    ]);
    const { events } = await h.audit.listAuditEvents({ tenantId, targetId: user.id }, admin());
    expect(events.map((e) => e.action)).toEqual([
      "user.deleted",
      "user.deprovisioned",
      "user.invited",
      "user.created",
    ]);
    expect(events[0]?.before?.userName).toBe(user.userName);
  });

  it("R5: the userName is free again: a new create gets a new id", async () => {
    const userName = unique("reuse");
    const first = await create(scim(), userName);
    await h.users.deleteUser({ tenantId, userId: first.id }, scim());
    const second = await create(scim(), userName.toUpperCase());
    expect(second.id).not.toBe(first.id);
    expect(await userRow(h.db, second.id)).toMatchObject({ user_name: userName.toUpperCase() });
    expect(await auditActions(h.db, first.id)).toContain("user.deleted");
    expect(await auditActions(h.db, second.id)).toEqual(["user.created"]);
  });

  it("R5: a repeated delete answers NOT_FOUND and changes nothing", async () => {
    const user = await create(scim(), unique("twice"));
    await h.users.deleteUser({ tenantId, userId: user.id }, scim());
    const auditBefore = await auditActions(h.db, user.id);
    const releasesBefore = seats.releases.length;
    const again = await rejection(h.users.deleteUser({ tenantId, userId: user.id }, scim()));
    expect(again.code).toBe(Code.NotFound);
    expect(await auditActions(h.db, user.id)).toEqual(auditBefore);
    expect(seats.releases.length).toBe(releasesBefore);
  });

  it("R5: deleting a deprovisioned user releases no seat and records no second deprovisioning", async () => {
    const user = await create(scim(), unique("inactive"), false);
    const releasesBefore = seats.releases.length;
    await h.users.deleteUser({ tenantId, userId: user.id }, scim());
    expect(seats.releases.length).toBe(releasesBefore);
    expect(await auditActions(h.db, user.id)).toEqual(["user.created", "user.deleted"]);
  });

  it("R5/R12: a SCIM delete of a manual user adopts it first (user.adopted before user.deleted)", async () => {
    const manual = await create(admin(), unique("manual"));
    expect(manual.managedBy).toBe(ManagedBy.MANUAL);
    await h.users.deleteUser({ tenantId, userId: manual.id }, scim());
    expect(await userRow(h.db, manual.id)).toBeUndefined();
    const actions = await auditActions(h.db, manual.id);
    expect(actions).toEqual(["user.created", "user.adopted", "user.deprovisioned", "user.deleted"]);
    const { rows } = await h.db.query(
      "select actor_role from identity.audit_event where target_id = $1 and action in ('user.adopted', 'user.deleted')",
      [manual.id],
    );
    expect(rows.map((r) => r.actor_role)).toEqual(["SCIM", "SCIM"]);
  });

  it("R5: an administrator's delete of a manual user adopts nothing", async () => {
    const manual = await create(admin(), unique("admin-delete"));
    await h.users.deleteUser({ tenantId, userId: manual.id }, admin());
    expect(await auditActions(h.db, manual.id)).toEqual([
      "user.created",
      "user.deprovisioned",
      "user.deleted",
    ]);
  });
});
