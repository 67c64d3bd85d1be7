import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { ManagedBy, ScimTokenService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProvisioningLog } from "../src/domain/provisioning-log/provisioning-log.js";
import { TokenExpiryReport } from "../src/domain/scim-token/token-expiry-report.js";
import { adminActor, as, supportActor, systemCaller, testCredential } from "./support/core-harness.js";
import {
  expectError,
  type GroupHarness,
  rejection,
  startGroupHarness,
  TenantKit,
} from "./support/group-harness.js";

let h: GroupHarness;
let tokens: ReturnType<typeof createClient<typeof ScimTokenService>>;

beforeAll(async () => {
  h = await startGroupHarness();
  tokens = createClient(
    ScimTokenService,
    createServiceTransport({ baseUrl: h.url, credential: testCredential }),
  );
});

afterAll(async () => {
  await h?.close();
});

async function auditOf(tenantId: string, action: string) {
  const { rows } = await h.db.query(
    "select target_id, actor_id, actor_role, before, after from identity.audit_event where tenant_id = $1 and action = $2 order by id",
    [tenantId, action],
  );
  return rows as {
    target_id: string;
    actor_id: string;
    actor_role: string;
    before: unknown;
    after: unknown;
  }[];
}

async function feedOf(tenantId: string) {
  const { rows } = await h.db.query(
    "select type, user_id, group_id from identity.change_event where tenant_id = $1 order by id",
    [tenantId],
  );
  return rows as { type: string; user_id: string | null; group_id: string | null }[];
}

async function memberships(groupId: string) {
  const { rows } = await h.db.query(
    "select user_id, source, state from identity.group_membership where group_id = $1 order by user_id",
    [groupId],
  );
  return rows as { user_id: string; source: string; state: string }[];
}

describe("issue 7: PauseScim / ResumeScim", () => {
  it("support pauses and resumes a tenant; AuthenticateScimToken reports scim_paused; audited; idempotent", async () => {
    const t = await TenantKit.create(h);
    const { secret } = await tokens.issueScimToken({ tenantId: t.tenantId, name: "Entra" }, t.support);
    expect((await tokens.authenticateScimToken({ secret }, as(systemCaller))).scimPaused).toBe(false);

    const paused = await h.tenants.pauseScim(
      { tenantId: t.tenantId, reason: "IdP misconfigured" },
      t.support,
    );
    expect(paused.changed).toBe(true);
    expect(paused.tenant?.scimPause).toMatchObject({
      reason: "IdP misconfigured",
      pausedBy: supportActor.id,
    });
    expect((await tokens.authenticateScimToken({ secret }, as(systemCaller))).scimPaused).toBe(true);
    const again = await h.tenants.pauseScim({ tenantId: t.tenantId, reason: "other" }, t.support);
    expect(again.changed).toBe(false);
    expect(again.tenant?.scimPause?.reason).toBe("IdP misconfigured");
    const { tenant } = await h.tenants.getTenant({ tenantId: t.tenantId }, t.support);
    expect(tenant?.scimPause?.pauseTime).toBeDefined();

    const resumed = await h.tenants.resumeScim({ tenantId: t.tenantId }, t.support);
    expect(resumed.changed).toBe(true);
    expect(resumed.tenant?.scimPause).toBeUndefined();
    expect((await h.tenants.resumeScim({ tenantId: t.tenantId }, t.support)).changed).toBe(false);
    expect((await tokens.authenticateScimToken({ secret }, as(systemCaller))).scimPaused).toBe(false);

    const paused1 = await auditOf(t.tenantId, "tenant.scim_paused");
    expect(paused1).toHaveLength(1);
    expect(paused1[0]).toMatchObject({ actor_id: supportActor.id, actor_role: "SUPPORT" });
    expect(await auditOf(t.tenantId, "tenant.scim_resumed")).toHaveLength(1);
  });

  it("R21b: only SUPPORT pauses or resumes; an unknown tenant is NOT_FOUND", async () => {
    const t = await TenantKit.create(h);
    expectError(
      await rejection(h.tenants.pauseScim({ tenantId: t.tenantId }, t.admin)),
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    );
    expectError(
      await rejection(h.tenants.resumeScim({ tenantId: t.tenantId }, t.scim)),
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    );
    expectError(
      await rejection(h.tenants.pauseScim({ tenantId: "7b0d5c52-3c57-4d2e-9a55-000000000000" }, t.support)),
      Code.NotFound,
      "TENANT_NOT_FOUND",
    );
  });
});

describe("issue 7: UnadoptUser", () => {
  it("R6/R12: un-adopting lifts the locks, is audited with a change event, and the IdP's next write adopts again", async () => {
    const t = await TenantKit.create(h);
    const userId = await t.scimUser();
    const edit = {
      tenantId: t.tenantId,
      user: { id: userId, displayName: "Edited by admin" },
      updateMask: { paths: ["display_name"] },
    };
    expectError(
      await rejection(h.users.updateUser(edit, t.admin)),
      Code.FailedPrecondition,
      "SCIM_MAPPED_ATTRIBUTE",
    );

    const out = await h.users.unadoptUser({ tenantId: t.tenantId, userId }, t.admin);
    expect(out.changed).toBe(true);
    expect(out.user?.managedBy).toBe(ManagedBy.MANUAL);
    const [event] = await auditOf(t.tenantId, "user.unadopted");
    expect(event).toMatchObject({
      target_id: userId,
      actor_role: "ADMIN",
      before: { managedBy: "SCIM" },
      after: { managedBy: "MANUAL" },
    });
    expect(await feedOf(t.tenantId)).toContainEqual({
      type: "USER_UPDATED",
      user_id: userId,
      group_id: null,
    });
    expect((await h.users.unadoptUser({ tenantId: t.tenantId, userId }, t.support)).changed).toBe(false);
    expect(await auditOf(t.tenantId, "user.unadopted")).toHaveLength(1);

    const edited = await h.users.updateUser(edit, t.admin);
    expect(edited.user?.displayName).toBe("Edited by admin");

    const idp = await h.users.updateUser(
      { tenantId: t.tenantId, user: { id: userId, title: "CISO" }, updateMask: { paths: ["title"] } },
      t.scim,
    );
    expect(idp.user?.managedBy).toBe(ManagedBy.SCIM);
    expect((await auditOf(t.tenantId, "user.adopted")).map((e) => e.target_id)).toEqual([userId]);
  });

  it("R21b: SCIM actors may not un-adopt; another tenant's admin sees NOT_FOUND", async () => {
    const t = await TenantKit.create(h);
    const other = await TenantKit.create(h);
    const userId = await t.scimUser();
    expectError(
      await rejection(h.users.unadoptUser({ tenantId: t.tenantId, userId }, t.scim)),
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    );
    expectError(
      await rejection(h.users.unadoptUser({ tenantId: t.tenantId, userId }, as(adminActor(other.tenantId)))),
      Code.NotFound,
      "TENANT_NOT_FOUND",
    );
    expectError(
      await rejection(h.users.unadoptUser({ tenantId: other.tenantId, userId }, other.admin)),
      Code.NotFound,
      "USER_NOT_FOUND",
    );
  });
});

describe("issue 7: UnlinkGroup", () => {
  it("R10/R11: unlinking turns SCIM memberships manual, removes dormant ones, deprovisions nobody; the IdP's next write links again", async () => {
    const t = await TenantKit.create(h);
    const [a, b, c] = [await t.scimUser(), await t.scimUser(), await t.manualUser()];
    const other = await t.scimGroup([a]);
    const group = await t.scimGroup([a, b]);
    await h.groups.addGroupMembers({ tenantId: t.tenantId, groupId: group.id, userIds: [c] }, t.admin);
    // b goes dormant: deactivated by the IdP (R4).
    await h.users.updateUser(
      { tenantId: t.tenantId, user: { id: b, active: false }, updateMask: { paths: ["active"] } },
      t.scim,
    );

    const out = await h.groups.unlinkGroup({ tenantId: t.tenantId, groupId: group.id }, t.support);
    expect(out).toMatchObject({ changed: true, membershipsConverted: 1, dormantMembershipsRemoved: 1 });
    expect(out.group?.scimLinked).toBe(false);
    expect(await memberships(group.id)).toEqual(
      [
        { user_id: a, source: "MANUAL", state: "ACTIVE" },
        { user_id: c, source: "MANUAL", state: "ACTIVE" },
      ].sort((x, y) => x.user_id.localeCompare(y.user_id)),
    );
    expect(await memberships(other.id)).toEqual([{ user_id: a, source: "SCIM", state: "ACTIVE" }]);
    const { rows } = await h.db.query("select state from identity.app_user where id = $1", [a]);
    expect(rows[0].state).toBe("PROVISIONED");
    const [event] = await auditOf(t.tenantId, "group.unlinked");
    expect(event).toMatchObject({ target_id: group.id, actor_role: "SUPPORT" });
    const feed = await feedOf(t.tenantId);
    expect(feed.slice(-2)).toEqual([
      { type: "GROUP_CHANGED", user_id: null, group_id: group.id },
      { type: "MEMBERSHIP_CHANGED", user_id: null, group_id: group.id },
    ]);
    const again = await h.groups.unlinkGroup({ tenantId: t.tenantId, groupId: group.id }, t.admin);
    expect(again.changed).toBe(false);
    expect(await auditOf(t.tenantId, "group.unlinked")).toHaveLength(1);

    await h.groups.addGroupMembers({ tenantId: t.tenantId, groupId: group.id, userIds: [a] }, t.scim);
    const { group: relinked } = await h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.admin);
    expect(relinked?.scimLinked).toBe(true);
    expect((await memberships(group.id)).find((m) => m.user_id === a)?.source).toBe("SCIM");
  });

  it("R21b: SCIM actors may not unlink; unknown groups are NOT_FOUND", async () => {
    const t = await TenantKit.create(h);
    const group = await t.scimGroup();
    expectError(
      await rejection(h.groups.unlinkGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim)),
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    );
    expectError(
      await rejection(
        h.groups.unlinkGroup(
          { tenantId: t.tenantId, groupId: "7b0d5c52-3c57-4d2e-9a55-000000000000" },
          t.admin,
        ),
      ),
      Code.NotFound,
      "GROUP_NOT_FOUND",
    );
  });
});

describe("issue 7: DisableScim", () => {
  it("revokes every token, turns every user manual, unlinks every group; audited; idempotent", async () => {
    const t = await TenantKit.create(h);
    const bystander = await TenantKit.create(h);
    const bystanderUser = await bystander.scimUser();
    const { secret } = await tokens.issueScimToken({ tenantId: t.tenantId, name: "Entra" }, t.support);
    await tokens.issueScimToken({ tenantId: t.tenantId, name: "Okta" }, t.support);
    const [a, b] = [await t.scimUser(), await t.scimUser()];
    const g1 = await t.scimGroup([a, b]);
    const g2 = await t.scimGroup([a]);

    const out = await h.tenants.disableScim({ tenantId: t.tenantId }, t.admin);
    expect(out).toMatchObject({
      tokensRevoked: 2,
      usersUnadopted: 2,
      groupsUnlinked: 2,
      membershipsConverted: 3,
      dormantMembershipsRemoved: 0,
    });
    expectError(
      await rejection(tokens.authenticateScimToken({ secret }, as(systemCaller))),
      Code.Unauthenticated,
      "TOKEN_REVOKED",
    );
    const users = await h.db.query("select managed_by, state from identity.app_user where tenant_id = $1", [
      t.tenantId,
    ]);
    expect(users.rows.every((r) => r.managed_by === "MANUAL" && r.state === "PROVISIONED")).toBe(true);
    const groups = await h.db.query("select scim_linked from identity.app_group where tenant_id = $1", [
      t.tenantId,
    ]);
    expect(groups.rows.every((r) => r.scim_linked === false)).toBe(true);
    for (const g of [g1, g2])
      expect((await memberships(g.id)).every((m) => m.source === "MANUAL")).toBe(true);
    expect(await auditOf(t.tenantId, "scim_token.revoked")).toHaveLength(2);
    expect(await auditOf(t.tenantId, "user.unadopted")).toHaveLength(2);
    expect(await auditOf(t.tenantId, "group.unlinked")).toHaveLength(2);
    expect(await auditOf(t.tenantId, "tenant.scim_disabled")).toHaveLength(1);
    const feed = await feedOf(t.tenantId);
    expect(feed.filter((e) => e.type === "USER_UPDATED").map((e) => e.user_id)).toEqual(
      expect.arrayContaining([a, b]),
    );

    const again = await h.tenants.disableScim({ tenantId: t.tenantId }, t.support);
    expect(again).toMatchObject({
      tokensRevoked: 0,
      usersUnadopted: 0,
      groupsUnlinked: 0,
      membershipsConverted: 0,
    });
    const { rows } = await h.db.query("select managed_by from identity.app_user where id = $1", [
      bystanderUser,
    ]);
    expect(rows[0].managed_by).toBe("SCIM");

    // Reversible only by a new token and the IdP writing again (R12).
    const fresh = await tokens.issueScimToken({ tenantId: t.tenantId, name: "Entra again" }, t.support);
    expect((await tokens.authenticateScimToken({ secret: fresh.secret }, as(systemCaller))).tenantId).toBe(
      t.tenantId,
    );
  });

  it("R21b: SCIM actors may not disable SCIM", async () => {
    const t = await TenantKit.create(h);
    expectError(
      await rejection(h.tenants.disableScim({ tenantId: t.tenantId }, t.scim)),
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    );
  });
});

describe("issue 7: token hygiene", () => {
  it("R21/R20: a token expiring within 14 days is reported in the provisioning log once a day", async () => {
    const t = await TenantKit.create(h);
    const now = new Date();
    const day = 86_400_000;
    const soon = await tokens.issueScimToken(
      {
        tenantId: t.tenantId,
        name: "Soon",
        expireTime: timestampFromDate(new Date(now.getTime() + 10 * day)),
      },
      t.support,
    );
    await tokens.issueScimToken(
      {
        tenantId: t.tenantId,
        name: "Later",
        expireTime: timestampFromDate(new Date(now.getTime() + 30 * day)),
      },
      t.support,
    );
    await tokens.issueScimToken({ tenantId: t.tenantId, name: "Never" }, t.support);
    const revoked = await tokens.issueScimToken(
      {
        tenantId: t.tenantId,
        name: "Revoked",
        expireTime: timestampFromDate(new Date(now.getTime() + 3 * day)),
      },
      t.support,
    );
    await tokens.revokeScimToken({ tenantId: t.tenantId, tokenId: revoked.token?.id ?? "" }, t.support);

    const logger = createLogger({ service: "identity-core", level: "silent" });
    const job = new TokenExpiryReport(h.core.orm, new ProvisioningLog(h.core.orm), logger);
    const entries = async () =>
      (
        await h.db.query(
          "select token_id, method, outcome, detail, time from identity.provisioning_entry where tenant_id = $1 order by time",
          [t.tenantId],
        )
      ).rows as { token_id: string; method: string; outcome: string; detail: string }[];

    const first = await job.runOnce(now);
    expect(first.ran).toBe(true);
    let logged = await entries();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ token_id: soon.token?.id, method: "NOTICE", outcome: "SUCCESS" });
    expect(logged[0]?.detail).toMatch(/SCIM token "Soon" \(cosafe_scim_.*\) expires on .*in 10 day/);

    await job.runOnce(new Date(now.getTime() + 60_000));
    expect(await entries()).toHaveLength(1);

    const tomorrow = new Date(now.getTime() + day);
    await job.runOnce(tomorrow);
    logged = await entries();
    expect(logged).toHaveLength(2);
    expect(logged[1]?.detail).toMatch(/in 9 day/);
    const { rows } = await h.db.query("select expiry_reported_at from identity.scim_token where id = $1", [
      soon.token?.id,
    ]);
    expect(new Date(rows[0].expiry_reported_at).getTime()).toBe(tomorrow.getTime());
  });

  it("runs on one replica at a time (advisory lock)", async () => {
    const logger = createLogger({ service: "identity-core", level: "silent" });
    const job = new TokenExpiryReport(h.core.orm, new ProvisioningLog(h.core.orm), logger);
    const results = await Promise.all([job.runOnce(), job.runOnce(), job.runOnce()]);
    expect(results.some((r) => r.ran)).toBe(true);
  });
});
