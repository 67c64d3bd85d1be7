import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { AccountSchema, type Group, GroupSchema, type Tenant } from "../../storage/entities.js";
import { requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";
import { DomainError, invalidArgument, notFound } from "../domain-error.js";
import { releaseAll, storedSeats, withSeats } from "../provisioning/seat-saga.js";
import { assertScimWritable, tenantForWrite } from "../scim-control/scim-pause.js";
import type { SeatLedger } from "../seats.js";
import { checkTexts } from "../text-limits.js";
import { findGroup } from "./find-group.js";
import { groupEtag } from "./group-etag.js";
import type { GroupField, GroupInput } from "./group-input.js";
import type { GroupModification, ModifyOutcome } from "./group-modification.js";
import { linkGroup, linkGroupOnUpdate } from "./link-group.js";
import { assertLinkedNameFree } from "./linked-name.js";
import { lockUsers } from "./lock-users.js";
import {
  type AddOutcome,
  addMembers,
  deprovisionWithoutScimGroups,
  type MemberChangeContext,
  type RemoveOutcome,
  ReprovisionRace,
  removeMembers,
  reprovisionCandidates,
} from "./member-changes.js";
import { memberPage } from "./member-page.js";
import { scimVisibleMembers } from "./visible-members.js";

const writers = [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;
const admins = [Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;

export type MovePolicy = "ADD_MEMBERS" | "REMOVE_MEMBERS";

const isScim = (call: CallContext) => call.actor.role === Role.SCIM;
const defaultAccountOf = (tenant: Tenant) => tenant.defaultAccountId ?? tenant.mainAccountId ?? "";

function groupAuditView(group: Group) {
  return {
    displayName: group.displayName,
    externalId: group.externalId,
    accountId: group.accountId,
    scimLinked: group.scimLinked,
  };
}

/**
 * Groups and memberships (R7, R8, R10, R11, R13–R18, R25). Every method is one
 * transaction with its audit events and change-feed events; seats for re-provisioned users
 * are taken before it and returned after it.
 */
export class GroupCommands {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
  ) {}

  async create(
    call: CallContext,
    tenantId: string,
    input: GroupInput,
    memberIds: readonly string[],
  ): Promise<Group> {
    requireTenantAccess(call, tenantId, writers);
    checkTexts([
      ["displayName", input.displayName],
      ["externalId", input.externalId],
    ]);
    const externalId = input.externalId?.trim() || null;
    const displayName = input.displayName?.trim() || externalId;
    if (!displayName) {
      throw invalidArgument(
        "GROUP_NAME_REQUIRED",
        "a group needs a displayName or an externalId to be named after (R14)",
      );
    }
    const candidates = isScim(call)
      ? await reprovisionCandidates(this.orm.em.fork(), tenantId, memberIds)
      : [];
    return this.membershipTransaction(call, tenantId, candidates, async (em, tenant, taken) => {
      const accountId = isScim(call) ? defaultAccountOf(tenant) : input.accountId || defaultAccountOf(tenant);
      await assertAccountOfTenant(em, tenantId, accountId);
      if (isScim(call)) await assertLinkedNameFree(em, tenantId, displayName);
      const group = em.create(GroupSchema, {
        id: randomUUID(),
        tenantId,
        accountId,
        displayName,
        externalId,
        scimLinked: isScim(call),
      });
      recordAudit(em, call, {
        tenantId,
        action: "group.created",
        targetType: "group",
        targetId: group.id,
        after: groupAuditView(group),
      });
      await recordChanges(em, tenantId, [{ type: "GROUP_CHANGED", groupId: group.id }]);
      await em.flush();
      const outcome = await addMembers(this.context(em, call, group, tenant), memberIds, taken);
      return { result: group, kept: outcome.reprovisioned, released: [] };
    });
  }

  /** R13/R14: displayName/externalId per mask; an IdP update without displayName keeps the name. */
  async update(
    call: CallContext,
    tenantId: string,
    groupId: string,
    input: GroupInput,
    mask: readonly GroupField[],
    etag?: string,
  ): Promise<Group> {
    requireTenantAccess(call, tenantId, writers);
    checkTexts([
      ["displayName", mask.includes("display_name") ? input.displayName : undefined],
      ["externalId", mask.includes("external_id") ? input.externalId : undefined],
    ]);
    return this.orm.em.fork().transactional(async (em) => {
      await assertScimWritable(em, call, tenantId);
      // Row-locked: parallel updates without an etag serialise instead of failing the version check.
      const group = await findGroup(em, tenantId, groupId, "UPDATE");
      await assertEtag(em, group, etag);
      const before = groupAuditView(group);
      if (mask.includes("display_name") && input.displayName?.trim()) {
        const displayName = input.displayName.trim();
        if (group.scimLinked && displayName.toLowerCase() !== group.displayName.toLowerCase()) {
          await assertLinkedNameFree(em, tenantId, displayName, group.id);
        }
        group.displayName = displayName;
      }
      if (mask.includes("external_id")) group.externalId = input.externalId?.trim() || null;
      // R11/R13: linking checks the name the group will have, not the one it had.
      if (isScim(call)) await linkGroupOnUpdate(em, call, group);
      recordAudit(em, call, {
        tenantId,
        action: "group.updated",
        targetType: "group",
        targetId: group.id,
        before,
        after: groupAuditView(group),
      });
      await recordChanges(em, tenantId, [{ type: "GROUP_CHANGED", groupId: group.id }]);
      await em.flush();
      return group;
    });
  }

  /**
   * By the identity provider (R17): the group goes, and each SCIM member whose last SCIM
   * group it was is deprovisioned in the same set-based transaction (R7). By an
   * administrator (R18): memberships go, nobody is deprovisioned, and a tombstone answers
   * later SCIM requests.
   */
  async delete(call: CallContext, tenantId: string, groupId: string, etag?: string): Promise<string[]> {
    requireTenantAccess(call, tenantId, writers);
    const released: { seatId: string }[] = [];
    const deprovisioned = await this.orm.em.fork().transactional(async (em) => {
      const tenant = await tenantForWrite(em, call, tenantId);
      const group = await findGroup(em, tenantId, groupId, "UPDATE");
      await assertEtag(em, group, etag);
      const members = (await em.execute("select user_id from identity.group_membership where group_id = ?", [
        group.id,
      ])) as {
        user_id: string;
      }[];
      await lockUsers(
        em,
        tenantId,
        members.map((m) => m.user_id),
      );
      const removed = (await em.execute(
        "delete from identity.group_membership where group_id = ? returning user_id, source",
        [group.id],
      )) as { user_id: string; source: string }[];
      recordAudit(em, call, {
        tenantId,
        action: isScim(call) ? "group.deleted" : "group.deleted_in_admin_panel",
        targetType: "group",
        targetId: group.id,
        before: { ...groupAuditView(group), memberCount: removed.length },
      });
      await recordChanges(em, tenantId, [{ type: "GROUP_CHANGED", groupId: group.id }]);
      if (!isScim(call)) {
        group.deletedAt = new Date();
        await em.flush();
        return [];
      }
      await em.execute("delete from identity.app_group where id = ?", [group.id]);
      if (!tenant.deprovisionOnLastGroupRemoval) return [];
      const lost = removed.filter((r) => r.source === "SCIM").map((r) => r.user_id);
      const outcome = await deprovisionWithoutScimGroups(em, call, tenantId, lost);
      released.push(...outcome.releasedSeats);
      return outcome.deprovisioned;
    });
    await releaseAll(
      this.seats,
      tenantId,
      released.map((r) => r.seatId),
    );
    return deprovisioned;
  }

  async addMembers(call: CallContext, tenantId: string, groupId: string, userIds: readonly string[]) {
    requireTenantAccess(call, tenantId, writers);
    const candidates = isScim(call) ? await reprovisionCandidates(this.orm.em.fork(), tenantId, userIds) : [];
    return this.membershipTransaction(call, tenantId, candidates, async (em, tenant, taken) => {
      const group = await findGroup(em, tenantId, groupId, "KEY_SHARE");
      if (isScim(call)) await linkGroup(em, call, group);
      const outcome = await addMembers(this.context(em, call, group, tenant), userIds, taken);
      return { result: outcome, kept: outcome.reprovisioned, released: [] };
    });
  }

  async removeMembers(call: CallContext, tenantId: string, groupId: string, userIds: readonly string[]) {
    requireTenantAccess(call, tenantId, writers);
    return this.membershipTransaction(call, tenantId, [], async (em, tenant) => {
      const group = await findGroup(em, tenantId, groupId, "KEY_SHARE");
      if (isScim(call)) await linkGroup(em, call, group);
      const outcome = await removeMembers(this.context(em, call, group, tenant), userIds);
      return { result: outcome, kept: [], released: outcome.releasedSeats.map((s) => s.seatId) };
    });
  }

  /** Replaces the members the caller sees (R10) with the given set: removals (R7) then additions. */
  async replaceMembers(call: CallContext, tenantId: string, groupId: string, userIds: readonly string[]) {
    requireTenantAccess(call, tenantId, writers);
    const candidates = isScim(call) ? await reprovisionCandidates(this.orm.em.fork(), tenantId, userIds) : [];
    return this.membershipTransaction(call, tenantId, candidates, async (em, tenant, taken) => {
      const group = await findGroup(em, tenantId, groupId, "KEY_SHARE");
      if (isScim(call)) await linkGroup(em, call, group);
      const ctx = this.context(em, call, group, tenant);
      const wanted = new Set(userIds.map((id) => id.toLowerCase()));
      const current = await visibleMemberIds(em, call, group.id);
      const leaving = current.filter((id) => !wanted.has(id));
      // Every user this replace touches is locked up front, in id order (R7): locking the
      // leaving users and then the wanted ones would deadlock with a concurrent replace that
      // moves users the other way.
      await lockUsers(em, tenantId, [...leaving, ...wanted].filter(isUuid));
      const removal = await removeMembers(ctx, leaving);
      const addition = await addMembers(ctx, [...wanted], taken);
      return {
        result: { ...removal, added: addition.added, reprovisioned: addition.reprovisioned },
        kept: addition.reprovisioned,
        released: removal.releasedSeats.map((s) => s.seatId),
      };
    });
  }

  /**
   * ModifyGroup (ADR 0014): one identity-provider or admin write to a group in one membership
   * transaction — etag, names (R13, R14), linking (R11), removals (R7) then additions (R4, R15),
   * audit and change events. Any refusal rolls back all of it, deprovisionings included.
   * With an etag or a rename the group row is locked for update, so writes that name the same
   * version serialise and the loser sees ETAG_MISMATCH; membership-only changes without an
   * etag keep the key-share lock and cost in the size of the change (R25).
   */
  async modify(
    call: CallContext,
    tenantId: string,
    groupId: string,
    change: GroupModification,
  ): Promise<ModifyOutcome> {
    requireTenantAccess(call, tenantId, writers);
    if (change.replace !== undefined && (change.add.length > 0 || change.remove.length > 0)) {
      throw invalidArgument(
        "MEMBER_CHANGES_CONFLICT",
        "a full member list replaces the members: send no ids to add or remove with it",
      );
    }
    const joining = change.replace ?? change.add;
    const candidates = isScim(call) ? await reprovisionCandidates(this.orm.em.fork(), tenantId, joining) : [];
    return this.membershipTransaction(call, tenantId, candidates, async (em, tenant, taken) => {
      const displayName = change.displayName?.trim() || undefined;
      const renames = displayName !== undefined || change.externalId !== undefined;
      const writes = renames || change.replace !== undefined || change.add.length + change.remove.length > 0;
      const group = await findGroup(em, tenantId, groupId, renames || change.etag ? "UPDATE" : "KEY_SHARE");
      await assertEtag(em, group, change.etag);
      if (renames) await this.rename(em, call, group, displayName, change.externalId);
      else if (writes && isScim(call)) await linkGroup(em, call, group);
      const ctx = this.context(em, call, group, tenant);
      let removal: RemoveOutcome = { removed: [], deprovisioned: [], releasedSeats: [] };
      let addition: AddOutcome = { added: [], reprovisioned: [] };
      if (change.replace !== undefined) {
        const wanted = [...new Set(change.replace.map((id) => id.toLowerCase()))];
        const kept = new Set(wanted);
        const leaving = (await visibleMemberIds(em, call, group.id)).filter((id) => !kept.has(id));
        // Every user this change touches is locked up front, in id order (R7).
        await lockUsers(em, tenantId, [...leaving, ...wanted].filter(isUuid));
        removal = await removeMembers(ctx, leaving);
        addition = await addMembers(ctx, wanted, taken);
      } else if (change.add.length + change.remove.length > 0) {
        // Both sides are locked together in id order when both are present (R7: no deadlock
        // with a write that moves the same users the other way); one side locks itself.
        if (change.add.length > 0 && change.remove.length > 0) {
          await lockUsers(em, tenantId, [...change.remove, ...change.add].filter(isUuid));
        }
        removal = await removeMembers(ctx, change.remove);
        addition = await addMembers(ctx, change.add, taken);
      }
      const etag = await groupEtag(em, group);
      const page = change.returnMembers
        ? await memberPage(em, call, group, { limit: MEMBER_PAGE, includeDormant: false })
        : undefined;
      return {
        result: {
          group,
          etag,
          added: addition.added,
          removed: removal.removed,
          deprovisioned: removal.deprovisioned,
          reprovisioned: addition.reprovisioned,
          members: page?.members,
          membersTotal: page?.total ?? 0,
        },
        kept: addition.reprovisioned,
        released: removal.releasedSeats.map((s) => s.seatId),
      };
    });
  }

  /** R13/R14 on a row-locked group: a blank name keeps the current one; an empty externalId clears it. */
  private async rename(
    em: EntityManager,
    call: CallContext,
    group: Group,
    displayName: string | undefined,
    externalId: string | undefined,
  ): Promise<void> {
    const before = groupAuditView(group);
    if (displayName !== undefined) {
      if (group.scimLinked && displayName.toLowerCase() !== group.displayName.toLowerCase()) {
        await assertLinkedNameFree(em, group.tenantId, displayName, group.id);
      }
      group.displayName = displayName;
    }
    if (externalId !== undefined) group.externalId = externalId.trim() || null;
    if (isScim(call)) await linkGroupOnUpdate(em, call, group);
    const after = groupAuditView(group);
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    recordAudit(em, call, {
      tenantId: group.tenantId,
      action: "group.updated",
      targetType: "group",
      targetId: group.id,
      before,
      after,
    });
    await recordChanges(em, group.tenantId, [{ type: "GROUP_CHANGED", groupId: group.id }]);
    await em.flush();
  }

  /**
   * R16 (administrators only): moves a group to another account. ADD_MEMBERS adds every
   * member to the target account and keeps the memberships; REMOVE_MEMBERS removes every
   * membership. Members stay in their previous account either way.
   */
  async move(
    call: CallContext,
    tenantId: string,
    groupId: string,
    targetAccountId: string,
    policy: MovePolicy,
  ) {
    requireTenantAccess(call, tenantId, admins);
    return this.orm.em.fork().transactional(async (em) => {
      const group = await findGroup(em, tenantId, groupId, "UPDATE");
      await assertAccountOfTenant(em, tenantId, targetAccountId);
      const before = groupAuditView(group);
      group.accountId = targetAccountId;
      if (policy === "ADD_MEMBERS") {
        await em.execute(
          `insert into identity.account_membership (account_id, user_id, tenant_id)
           select ?::uuid, m.user_id, m.tenant_id from identity.group_membership m
            where m.group_id = ? and m.state = 'ACTIVE'
           on conflict do nothing`,
          [targetAccountId, group.id],
        );
      } else {
        await em.execute("delete from identity.group_membership where group_id = ?", [group.id]);
        await recordChanges(em, tenantId, [{ type: "MEMBERSHIP_CHANGED", groupId: group.id }]);
      }
      recordAudit(em, call, {
        tenantId,
        action: "group.moved",
        targetType: "group",
        targetId: group.id,
        before,
        after: { ...groupAuditView(group), policy },
      });
      await recordChanges(em, tenantId, [{ type: "GROUP_CHANGED", groupId: group.id }]);
      await em.flush();
      return group;
    });
  }

  private context(em: EntityManager, call: CallContext, group: Group, tenant: Tenant): MemberChangeContext {
    return {
      em,
      call,
      group,
      defaultAccountId: defaultAccountOf(tenant),
      deprovisionOnLastGroupRemoval: tenant.deprovisionOnLastGroupRemoval,
    };
  }

  /**
   * Seats first (R9), then one transaction, then seats back: unused ones and deprovisioned
   * users'. When a concurrent removal deprovisioned a user this add must re-provision (R4),
   * the whole transaction runs again with a seat for it.
   */
  private async membershipTransaction<T>(
    call: CallContext,
    tenantId: string,
    reprovisionIds: readonly string[],
    work: MembershipWork<T>,
  ): Promise<T> {
    let candidates = [...reprovisionIds];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.membershipAttempt(call, tenantId, candidates, work);
      } catch (error) {
        if (!(error instanceof ReprovisionRace) || attempt >= 3) throw error;
        candidates = [...new Set([...candidates, ...error.userIds])];
      }
    }
  }

  private async membershipAttempt<T>(
    call: CallContext,
    tenantId: string,
    reprovisionIds: readonly string[],
    work: MembershipWork<T>,
  ): Promise<T> {
    const released: string[] = [];
    const result = await withSeats(
      this.seats,
      tenantId,
      reprovisionIds,
      async (taken) => {
        const outcome = await this.orm.em
          .fork()
          .transactional(async (em) => work(em, await tenantForWrite(em, call, tenantId), taken));
        released.push(...outcome.released);
        return { result: outcome.result, kept: outcome.kept };
      },
      storedSeats(this.orm),
    );
    await releaseAll(this.seats, tenantId, released);
    return result;
  }
}

type MembershipWork<T> = (
  em: EntityManager,
  tenant: Tenant,
  taken: ReadonlyMap<string, string | null>,
) => Promise<{ result: T; kept: readonly string[]; released: readonly string[] }>;

/** A full member list's cap in one ModifyGroup answer, as ListGroupMembers caps a page. */
const MEMBER_PAGE = 10_000;

/** The user ids a full member list replaces: what SCIM sees (R10), or every membership for an administrator. */
async function visibleMemberIds(em: EntityManager, call: CallContext, groupId: string): Promise<string[]> {
  if (isScim(call)) return scimVisibleMembers(em, groupId);
  const rows = (await em.execute("select user_id from identity.group_membership where group_id = ?", [
    groupId,
  ])) as { user_id: string }[];
  return rows.map((r) => r.user_id);
}

async function assertEtag(em: EntityManager, group: Group, etag: string | undefined): Promise<void> {
  if (!etag) return;
  const current = await groupEtag(em, group);
  if (etag !== current) {
    throw new DomainError(
      "ABORTED",
      "ETAG_MISMATCH",
      `group ${group.id} has changed (version ${current}, not ${etag})`,
    );
  }
}

async function assertAccountOfTenant(em: EntityManager, tenantId: string, accountId: string): Promise<void> {
  const account = isUuid(accountId) ? await em.findOne(AccountSchema, { id: accountId, tenantId }) : null;
  if (!account) throw notFound("ACCOUNT_NOT_FOUND", `account ${accountId} not found`);
}
