import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorMetadata, errorInfoOf, identityClient, unary, unaryError } from "./support/grpc-js-client.js";
import {
  accountsOf,
  auditActions,
  startUserHarness,
  type UserHarness,
  userRow,
} from "./support/user-harness.js";

let h: UserHarness;
let clients: Record<"tenants" | "users" | "accounts" | "groups", grpc.Client>;
let tenantId: string;
let mainAccountId: string;

const support = () => actorMetadata({ type: "person", id: "support@cosafe.test", role: "support" });
const admin = (tenant = tenantId) =>
  actorMetadata({ type: "person", id: "admin@customer.test", role: "admin", tenantId: tenant });
const scim = () =>
  actorMetadata({ type: "scim_token", id: "00000000-0000-4000-8000-000000000001", role: "scim", tenantId });

interface WireUser {
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  managedBy: string;
  state: string;
}

beforeAll(async () => {
  h = await startUserHarness();
  const address = `127.0.0.1:${h.core.server.port}`;
  clients = {
    tenants: identityClient("tenant_service.proto", "TenantService", address),
    users: identityClient("user_service.proto", "UserService", address),
    accounts: identityClient("account_service.proto", "AccountService", address),
    groups: identityClient("group_service.proto", "GroupService", address),
  };
  const { tenant } = await unary<{ tenant: { id: string; mainAccountId: string } }>(
    clients.tenants,
    "createTenant",
    { displayName: "Plain gRPC AB" },
    support(),
  );
  tenantId = tenant.id;
  mainAccountId = tenant.mainAccountId;
});

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.close();
  await h?.close();
});

describe("R21b: a plain @grpc/grpc-js client drives the admin operations", () => {
  it("R21b: UpdateUser of a SCIM user: refused without override (reason in the standard status details), applied and audited with it", async () => {
    const { user } = await unary<{ user: WireUser }>(
      clients.users,
      "createUser",
      { tenantId, user: { userName: "grpc-scim@r21b.test", displayName: "From IdP" } },
      scim(),
    );
    expect(user.managedBy).toBe("MANAGED_BY_SCIM");
    const request = {
      tenantId,
      user: { id: user.id, displayName: "From Admin" },
      updateMask: { paths: ["display_name"] },
    };
    const refused = await unaryError(unary(clients.users, "updateUser", request, admin()));
    expect(refused.code).toBe(9); // FAILED_PRECONDITION
    expect(refused.details).toContain("displayName");
    expect(errorInfoOf(refused)).toMatchObject({
      reason: "SCIM_MAPPED_ATTRIBUTE",
      metadata: { field: "displayName" },
    });
    expect(await userRow(h.db, user.id)).toMatchObject({ display_name: "From IdP" });

    const { user: updated } = await unary<{ user: WireUser }>(
      clients.users,
      "updateUser",
      { ...request, overrideScimLock: true },
      admin(),
    );
    expect(updated.displayName).toBe("From Admin");
    expect(await userRow(h.db, user.id)).toMatchObject({ display_name: "From Admin", managed_by: "SCIM" });
    expect(await auditActions(h.db, user.id)).toEqual([
      "user.created",
      "user.scim_lock_overridden",
      "user.updated",
    ]);
  });

  it("R21b: an administrator deactivates and re-activates a manual user (optional bool active)", async () => {
    const { user } = await unary<{ user: WireUser }>(
      clients.users,
      "createUser",
      { tenantId, user: { userName: "grpc-manual@r21b.test" } },
      admin(),
    );
    const deactivate = { tenantId, user: { id: user.id, active: false }, updateMask: { paths: ["active"] } };
    const { user: off } = await unary<{ user: WireUser }>(clients.users, "updateUser", deactivate, admin());
    expect(off).toMatchObject({ active: false, state: "USER_STATE_DEPROVISIONED" });
    expect(await userRow(h.db, user.id)).toMatchObject({ state: "DEPROVISIONED" });
    const reactivate = { tenantId, user: { id: user.id, active: true }, updateMask: { paths: ["active"] } };
    const { user: on } = await unary<{ user: WireUser }>(clients.users, "updateUser", reactivate, admin());
    expect(on).toMatchObject({ active: true, state: "USER_STATE_PROVISIONED" });
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId]);
  });

  it("R21b: InviteUser records an invitation", async () => {
    const { user } = await unary<{ user: WireUser }>(
      clients.users,
      "createUser",
      { tenantId, user: { userName: "grpc-invite@r21b.test" } },
      admin(),
    );
    const invitation = await unary<{ invitationId: string; email: string }>(
      clients.users,
      "inviteUser",
      { tenantId, userId: user.id },
      admin(),
    );
    expect(invitation.email).toBe("grpc-invite@r21b.test");
    const { rows } = await h.db.query("select user_id, email from identity.invitation where id = $1", [
      invitation.invitationId,
    ]);
    expect(rows).toEqual([{ user_id: user.id, email: "grpc-invite@r21b.test" }]);
    expect(await auditActions(h.db, user.id)).toContain("user.invited");
  });

  it("R21b: CreateAccount, AddAccountMembers and MoveGroup with ADD_MEMBERS", async () => {
    const { user } = await unary<{ user: WireUser }>(
      clients.users,
      "createUser",
      { tenantId, user: { userName: "grpc-accounts@r21b.test" } },
      admin(),
    );
    const { account: region } = await unary<{ account: { id: string; parentAccountId: string } }>(
      clients.accounts,
      "createAccount",
      { tenantId, parentAccountId: mainAccountId, displayName: "Region North" },
      admin(),
    );
    expect(region.parentAccountId).toBe(mainAccountId);
    const { rows: stored } = await h.db.query(
      "select parent_account_id, display_name from identity.account where id = $1",
      [region.id],
    );
    expect(stored).toEqual([{ parent_account_id: mainAccountId, display_name: "Region North" }]);

    await unary(
      clients.accounts,
      "addAccountMembers",
      { tenantId, accountId: region.id, userIds: [user.id] },
      admin(),
    );
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId, region.id].sort());

    const { account: target } = await unary<{ account: { id: string } }>(
      clients.accounts,
      "createAccount",
      { tenantId, parentAccountId: region.id, displayName: "Site 7" },
      admin(),
    );
    const { group } = await unary<{ group: { id: string; accountId: string } }>(
      clients.groups,
      "createGroup",
      { tenantId, group: { displayName: "Responders", accountId: region.id }, memberUserIds: [user.id] },
      admin(),
    );
    expect(group.accountId).toBe(region.id);
    const { group: moved } = await unary<{ group: { id: string; accountId: string } }>(
      clients.groups,
      "moveGroup",
      { tenantId, groupId: group.id, targetAccountId: target.id, policy: "MOVE_GROUP_POLICY_ADD_MEMBERS" },
      admin(),
    );
    expect(moved.accountId).toBe(target.id);
    const { rows: groupRows } = await h.db.query("select account_id from identity.app_group where id = $1", [
      group.id,
    ]);
    expect(groupRows).toEqual([{ account_id: target.id }]);
    expect(await accountsOf(h.db, user.id)).toEqual([mainAccountId, region.id, target.id].sort());
    const { rows: members } = await h.db.query(
      "select user_id, source from identity.group_membership where group_id = $1",
      [group.id],
    );
    expect(members).toEqual([{ user_id: user.id, source: "MANUAL" }]);
    expect(await auditActions(h.db, group.id)).toEqual([
      "group.created",
      "group.members_added",
      "group.moved",
    ]);
  });

  it("R21b: roles travel with the call: SCIM may not move groups, another tenant's admin sees NOT_FOUND", async () => {
    const { group } = await unary<{ group: { id: string } }>(
      clients.groups,
      "createGroup",
      { tenantId, group: { displayName: "Guarded" } },
      admin(),
    );
    const move = {
      tenantId,
      groupId: group.id,
      targetAccountId: mainAccountId,
      policy: "MOVE_GROUP_POLICY_REMOVE_MEMBERS",
    };
    const bySCIM = await unaryError(unary(clients.groups, "moveGroup", move, scim()));
    expect(bySCIM.code).toBe(7); // PERMISSION_DENIED
    expect(errorInfoOf(bySCIM)?.reason).toBe("ROLE_NOT_ALLOWED");
    const byStranger = await unaryError(
      unary(clients.groups, "moveGroup", move, admin("6f1c1d7e-1111-4111-8111-111111111111")),
    );
    expect(byStranger.code).toBe(5); // NOT_FOUND
    const invite = await unaryError(
      unary(
        clients.users,
        "inviteUser",
        { tenantId, userId: "6f1c1d7e-1111-4111-8111-111111111111" },
        scim(),
      ),
    );
    expect(invite.code).toBe(7);
  });
});
