import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { type Group, type Tenant, TenantSchema, type User } from "../../storage/entities.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { requireTenantAccess } from "../access.js";
import { type AuditChange, recordAudit, recordAuditBatch } from "../audit/record-audit.js";
import { type Change, recordChanges } from "../changes/record-changes.js";
import { notFound } from "../domain-error.js";
import { findGroup } from "../group/find-group.js";
import { findTenant } from "../tenant/find-tenant.js";
import { lockUser } from "../user/update-user.js";

const supportOnly = [Role.SUPPORT] as const;
const supportOrAdmin = [Role.SUPPORT, Role.ADMIN] as const;

export interface PauseOutcome {
  tenant: Tenant;
  changed: boolean;
}

export interface UnlinkOutcome {
  group: Group;
  membershipsConverted: number;
  dormantMembershipsRemoved: number;
  changed: boolean;
}

export interface DisableScimOutcome {
  tokensRevoked: number;
  usersUnadopted: number;
  groupsUnlinked: number;
  membershipsConverted: number;
  dormantMembershipsRemoved: number;
}

/** Loads the tenant row-locked, so pause, resume and disable of one tenant run one at a time. */
async function lockTenant(em: EntityManager, tenantId: string): Promise<Tenant> {
  await findTenant(em, tenantId);
  const [row] = (await em.execute("select * from identity.tenant where id = ? for update", [
    tenantId,
  ])) as Record<string, unknown>[];
  if (!row) throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
  return em.map(TenantSchema, row);
}

/**
 * Turns the memberships of the given groups manual (issue 7, unlinking): SCIM-sourced rows
 * of provisioned users become MANUAL; dormant rows (deprovisioned users, R4) are removed,
 * as every admin operation removes them. Set-based: two statements whatever the size.
 */
async function releaseMemberships(em: EntityManager, tenantId: string, groupIds: readonly string[]) {
  if (groupIds.length === 0) return { converted: 0, removed: 0, groups: [] as string[] };
  const removed = (await em.execute(
    `delete from identity.group_membership
      where tenant_id = ? and group_id = any(?::uuid[]) and state = 'DORMANT' returning group_id`,
    [tenantId, pgArray(groupIds)],
  )) as { group_id: string }[];
  const converted = (await em.execute(
    `update identity.group_membership set source = 'MANUAL'
      where tenant_id = ? and group_id = any(?::uuid[]) and source = 'SCIM' returning group_id`,
    [tenantId, pgArray(groupIds)],
  )) as { group_id: string }[];
  const groups = [...new Set([...removed, ...converted].map((r) => r.group_id))];
  return { converted: converted.length, removed: removed.length, groups };
}

/**
 * Support's and administrators' controls over SCIM for a tenant (issue 7): pause and resume
 * provisioning, and hand control back from the identity provider — un-adopt a user, unlink a
 * group, switch SCIM off. Each is one transaction with its audit events (R22) and change
 * events (R22b). None deprovisions anybody: admin operations never trigger R7.
 */
export class ScimControl {
  constructor(
    private readonly orm: MikroORM,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** PauseScim: SUPPORT only. Pausing a paused tenant keeps the first pause. */
  async pause(call: CallContext, tenantId: string, reason: string): Promise<PauseOutcome> {
    requireTenantAccess(call, tenantId, supportOnly);
    return this.orm.em.fork().transactional(async (em) => {
      const tenant = await lockTenant(em, tenantId);
      if (tenant.scimPausedAt) return { tenant, changed: false };
      tenant.scimPausedAt = this.now();
      tenant.scimPauseReason = reason.trim() || null;
      tenant.scimPausedBy = call.actor.id;
      recordAudit(em, call, {
        tenantId,
        action: "tenant.scim_paused",
        targetType: "tenant",
        targetId: tenantId,
        before: { scimPaused: false },
        after: { scimPaused: true, reason: tenant.scimPauseReason },
      });
      return { tenant, changed: true };
    });
  }

  /** ResumeScim: SUPPORT only. Resuming a tenant that is not paused changes nothing. */
  async resume(call: CallContext, tenantId: string): Promise<PauseOutcome> {
    requireTenantAccess(call, tenantId, supportOnly);
    return this.orm.em.fork().transactional(async (em) => {
      const tenant = await lockTenant(em, tenantId);
      if (!tenant.scimPausedAt) return { tenant, changed: false };
      const before = {
        scimPaused: true,
        pausedAt: tenant.scimPausedAt.toISOString(),
        reason: tenant.scimPauseReason,
        pausedBy: tenant.scimPausedBy,
      };
      tenant.scimPausedAt = null;
      tenant.scimPauseReason = null;
      tenant.scimPausedBy = null;
      recordAudit(em, call, {
        tenantId,
        action: "tenant.scim_resumed",
        targetType: "tenant",
        targetId: tenantId,
        before,
        after: { scimPaused: false },
      });
      return { tenant, changed: true };
    });
  }

  /** UnadoptUser: managedBy back to MANUAL (R6 locks lift); the IdP's next write adopts it again (R12). */
  async unadoptUser(
    call: CallContext,
    tenantId: string,
    userId: string,
  ): Promise<{ user: User; changed: boolean }> {
    requireTenantAccess(call, tenantId, supportOrAdmin);
    return this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      const user = await lockUser(em, tenantId, userId);
      if (user.managedBy === "MANUAL") return { user, changed: false };
      user.managedBy = "MANUAL";
      recordAudit(em, call, {
        tenantId,
        action: "user.unadopted",
        targetType: "user",
        targetId: user.id,
        before: { managedBy: "SCIM" },
        after: { managedBy: "MANUAL" },
      });
      await recordChanges(em, tenantId, [{ type: "USER_UPDATED", userId: user.id }]);
      return { user, changed: true };
    });
  }

  /** UnlinkGroup: scim_linked false, memberships manual; the IdP's next write links it again (R11). */
  async unlinkGroup(call: CallContext, tenantId: string, groupId: string): Promise<UnlinkOutcome> {
    requireTenantAccess(call, tenantId, supportOrAdmin);
    return this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      // UPDATE: waits for membership changes in flight, as deletes and moves do.
      const group = await findGroup(em, tenantId, groupId, "UPDATE");
      const wasLinked = group.scimLinked;
      const released = await releaseMemberships(em, tenantId, [group.id]);
      const changed = wasLinked || released.converted > 0 || released.removed > 0;
      if (!changed) return { group, membershipsConverted: 0, dormantMembershipsRemoved: 0, changed };
      group.scimLinked = false;
      recordAudit(em, call, {
        tenantId,
        action: "group.unlinked",
        targetType: "group",
        targetId: group.id,
        before: { scimLinked: wasLinked },
        after: {
          scimLinked: false,
          membershipsConverted: released.converted,
          dormantMembershipsRemoved: released.removed,
        },
      });
      const changes: Change[] = [{ type: "GROUP_CHANGED", groupId: group.id }];
      if (released.groups.length > 0) changes.push({ type: "MEMBERSHIP_CHANGED", groupId: group.id });
      await recordChanges(em, tenantId, changes);
      return {
        group,
        membershipsConverted: released.converted,
        dormantMembershipsRemoved: released.removed,
        changed,
      };
    });
  }

  /**
   * DisableScim: every token and OAuth client revoked, every user MANUAL, every group unlinked, memberships
   * MANUAL — one transaction. Reversible only by a new token and the IdP writing again.
   */
  async disableScim(call: CallContext, tenantId: string): Promise<DisableScimOutcome> {
    requireTenantAccess(call, tenantId, supportOrAdmin);
    return this.orm.em.fork().transactional(async (em) => {
      await lockTenant(em, tenantId);
      const now = this.now();
      // Issue 16: OAuth clients first (their row locks wait for running exchanges), then
      // every token, their access tokens included — so none can obtain a token afterwards.
      const oauthClients = (await em.execute(
        `update identity.oauth_client set revoked_at = ?
          where tenant_id = ? and revoked_at is null returning id`,
        [now, tenantId],
      )) as { id: string }[];
      const tokens = (await em.execute(
        `update identity.scim_token set revoked_at = ?
          where tenant_id = ? and revoked_at is null returning id`,
        [now, tenantId],
      )) as { id: string }[];
      // Users in id order, as every multi-user write locks them (R7).
      const users = (await em.execute(
        `with locked as (
           select id from identity.app_user where tenant_id = ? and managed_by = 'SCIM' order by id for update)
         update identity.app_user u set managed_by = 'MANUAL', version = version + 1, updated_at = now()
           from locked where u.id = locked.id returning u.id`,
        [tenantId],
      )) as { id: string }[];
      const linked = (await em.execute(
        `with locked as (
           select id from identity.app_group
            where tenant_id = ? and scim_linked and deleted_at is null order by id for update)
         update identity.app_group g set scim_linked = false, version = version + 1, updated_at = now()
           from locked where g.id = locked.id returning g.id`,
        [tenantId],
      )) as { id: string }[];
      // Memberships of every live group: a manual group can hold SCIM-sourced rows no more
      // than a linked one, but checking costs the same as converting.
      const groupIds = (
        (await em.execute("select id from identity.app_group where tenant_id = ? and deleted_at is null", [
          tenantId,
        ])) as { id: string }[]
      ).map((g) => g.id);
      const released = await releaseMemberships(em, tenantId, groupIds);

      const audits: AuditChange[] = [
        ...oauthClients.map((c) => ({
          tenantId,
          action: "oauth_client.revoked",
          targetType: "oauth_client",
          targetId: c.id,
          after: { reason: "scim disabled" },
        })),
        ...tokens.map((t) => ({
          tenantId,
          action: "scim_token.revoked",
          targetType: "scim_token",
          targetId: t.id,
          after: { reason: "scim disabled" },
        })),
        ...users.map((u) => ({
          tenantId,
          action: "user.unadopted",
          targetType: "user",
          targetId: u.id,
          before: { managedBy: "SCIM" },
          after: { managedBy: "MANUAL" },
        })),
        ...linked.map((g) => ({
          tenantId,
          action: "group.unlinked",
          targetType: "group",
          targetId: g.id,
          before: { scimLinked: true },
          after: { scimLinked: false },
        })),
      ];
      const outcome: DisableScimOutcome = {
        tokensRevoked: tokens.length,
        usersUnadopted: users.length,
        groupsUnlinked: linked.length,
        membershipsConverted: released.converted,
        dormantMembershipsRemoved: released.removed,
      };
      audits.push({
        tenantId,
        action: "tenant.scim_disabled",
        targetType: "tenant",
        targetId: tenantId,
        after: { ...outcome },
      });
      recordAuditBatch(em, call, audits);
      await recordChanges(em, tenantId, [
        ...users.map((u): Change => ({ type: "USER_UPDATED", userId: u.id })),
        ...linked.map((g): Change => ({ type: "GROUP_CHANGED", groupId: g.id })),
        ...released.groups.sort().map((id): Change => ({ type: "MEMBERSHIP_CHANGED", groupId: id })),
      ]);
      return outcome;
    });
  }
}
