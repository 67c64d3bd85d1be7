import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Group } from "../../storage/entities.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { recordAudit } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";
import { DomainError, notFound } from "../domain-error.js";
import { deprovisionUsers, type ReleasedSeat } from "../provisioning/deprovision-users.js";
import { reprovisionUsers } from "../provisioning/reprovision-users.js";
import { adoptUsers } from "../user/adopt-users.js";
import { lockUsers } from "./lock-users.js";

/** What one transaction of membership changes needs to know about its tenant. */
export interface MemberChangeContext {
  em: EntityManager;
  call: CallContext;
  group: Group;
  defaultAccountId: string;
  deprovisionOnLastGroupRemoval: boolean;
}

export interface AddOutcome {
  added: string[];
  reprovisioned: string[];
}

export interface RemoveOutcome {
  removed: string[];
  deprovisioned: string[];
  releasedSeats: ReleasedSeat[];
}

const isScim = (call: CallContext) => call.actor.role === Role.SCIM;

function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/**
 * Thrown inside a membership transaction when an identity provider's add meets users that a
 * concurrent removal deprovisioned by R7 after their seats were reserved (R4: the add must
 * re-provision them, and seats are never taken while holding locks). The command retries with
 * seats for them; if it escapes, the caller sees a retryable ABORTED.
 */
export class ReprovisionRace extends DomainError {
  constructor(readonly userIds: readonly string[]) {
    super(
      "ABORTED",
      "CONCURRENT_MODIFICATION",
      `users ${userIds.slice(0, 5).join(", ")} were deprovisioned concurrently; retry the request`,
    );
  }
}

/**
 * Users an identity provider's add would re-provision (R4): deprovisioned because their
 * last SCIM group went, not because the IdP set active=false. Read before the transaction so
 * their seats can be taken without holding locks.
 */
export async function reprovisionCandidates(em: EntityManager, tenantId: string, userIds: readonly string[]) {
  const ids = distinct(userIds).filter(isUuid);
  if (ids.length === 0) return [];
  const rows = (await em.execute(
    `select id from identity.app_user
      where tenant_id = ? and id = any(?::uuid[]) and state = 'DEPROVISIONED' and deprovision_reason = 'LAST_SCIM_GROUP_REMOVED'`,
    [tenantId, pgArray(ids)],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}

/**
 * Adds members with set-based SQL whose cost depends on the change, never on the group
 * (R25); the group row is neither rewritten nor locked. By the identity provider: manual
 * users are adopted (R12), an existing manual membership becomes SCIM-sourced (R11), users
 * deprovisioned by R7 come back with the seats in `seats` (R4), users the IdP deactivated get
 * a dormant membership (R4), and members join the group's account (R15). By an
 * administrator: manual memberships of provisioned users.
 */
export async function addMembers(
  ctx: MemberChangeContext,
  userIds: readonly string[],
  seats: ReadonlyMap<string, string | null> = new Map(),
): Promise<AddOutcome> {
  const { em, call, group } = ctx;
  const wanted = distinct(userIds);
  if (wanted.length === 0) return { added: [], reprovisioned: [] };
  const locked = await lockUsers(em, group.tenantId, wanted.filter(isUuid));
  const found = new Set(locked.map((u) => u.id));
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw notFound(
      "MEMBER_NOT_FOUND",
      `no user with id ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}`,
    );
  }
  const ids = pgArray(wanted);
  let reprovisioned: string[] = [];
  if (isScim(call)) {
    const raced = locked
      .filter(
        (u) =>
          u.state === "DEPROVISIONED" &&
          u.deprovision_reason === "LAST_SCIM_GROUP_REMOVED" &&
          !seats.has(u.id),
      )
      .map((u) => u.id);
    if (raced.length > 0) throw new ReprovisionRace(raced);
    const manual = locked.filter((u) => u.managed_by === "MANUAL").map((u) => u.id);
    await adoptUsers(em, call, group.tenantId, manual);
    const candidates = new Map([...seats].filter(([id]) => found.has(id)));
    reprovisioned = await reprovisionUsers(em, call, group.tenantId, ctx.defaultAccountId, candidates);
  } else {
    const inactive = locked.filter((u) => u.state !== "PROVISIONED").map((u) => u.id);
    if (inactive.length > 0) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        "USER_DEPROVISIONED",
        `user ${inactive[0]} is deprovisioned: re-activate it first`,
      );
    }
  }
  const source = isScim(call) ? "SCIM" : "MANUAL";
  const rows = (await em.execute(
    `insert into identity.group_membership (group_id, user_id, tenant_id, source, state)
     select ?::uuid, u.id, u.tenant_id, ?, case when u.state = 'PROVISIONED' then 'ACTIVE' else 'DORMANT' end
       from identity.app_user u where u.id = any(?::uuid[])
     on conflict (group_id, user_id) do update set source = 'SCIM'
       where excluded.source = 'SCIM' and identity.group_membership.source = 'MANUAL'
     returning user_id`,
    [group.id, source, ids],
  )) as { user_id: string }[];
  await em.execute(
    `insert into identity.account_membership (account_id, user_id, tenant_id)
     select ?::uuid, u.id, u.tenant_id from identity.app_user u
      where u.id = any(?::uuid[]) and u.state = 'PROVISIONED'
     on conflict do nothing`,
    [group.accountId, ids],
  );
  const added = rows.map((r) => r.user_id);
  if (added.length > 0) {
    recordAudit(em, call, {
      tenantId: group.tenantId,
      action: "group.members_added",
      targetType: "group",
      targetId: group.id,
      after: { userIds: added, source },
    });
    await recordChanges(em, group.tenantId, [{ type: "MEMBERSHIP_CHANGED", groupId: group.id }]);
  }
  return { added, reprovisioned };
}

/**
 * Removes members. By the identity provider only what SCIM sees is touched (R10), and a
 * SCIM user whose last SCIM membership this was is deprovisioned in the same transaction
 * (R7, unless the tenant turned it off); users are locked in id order first so parallel
 * removals deprovision a user exactly once. By an administrator: any membership, and
 * nobody is deprovisioned.
 */
export async function removeMembers(
  ctx: MemberChangeContext,
  userIds: readonly string[],
): Promise<RemoveOutcome> {
  const { em, call, group } = ctx;
  const wanted = distinct(userIds).filter(isUuid);
  if (wanted.length === 0) return { removed: [], deprovisioned: [], releasedSeats: [] };
  await lockUsers(em, group.tenantId, wanted);
  const scim = isScim(call);
  const rows = (await em.execute(
    `delete from identity.group_membership m using identity.app_user u
      where m.group_id = ? and m.user_id = any(?::uuid[]) and u.id = m.user_id
        and (? = false or m.source = 'SCIM' or u.managed_by = 'SCIM')
      returning m.user_id, m.source`,
    [group.id, pgArray(wanted), scim],
  )) as { user_id: string; source: string }[];
  const removed = rows.map((r) => r.user_id);
  if (removed.length > 0) {
    recordAudit(em, call, {
      tenantId: group.tenantId,
      action: "group.members_removed",
      targetType: "group",
      targetId: group.id,
      before: { userIds: removed },
    });
    await recordChanges(em, group.tenantId, [{ type: "MEMBERSHIP_CHANGED", groupId: group.id }]);
  }
  const lostScimMembership = rows.filter((r) => r.source === "SCIM").map((r) => r.user_id);
  if (!scim || !ctx.deprovisionOnLastGroupRemoval || lostScimMembership.length === 0) {
    return { removed, deprovisioned: [], releasedSeats: [] };
  }
  const { deprovisioned, releasedSeats } = await deprovisionWithoutScimGroups(
    em,
    call,
    group.tenantId,
    lostScimMembership,
  );
  return { removed, deprovisioned, releasedSeats };
}

/** R7: of the given users, deprovisions the provisioned SCIM users left with no SCIM membership. */
export async function deprovisionWithoutScimGroups(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
): Promise<{ deprovisioned: string[]; releasedSeats: ReleasedSeat[] }> {
  const orphans = (await em.execute(
    `select u.id from identity.app_user u
      where u.tenant_id = ? and u.id = any(?::uuid[]) and u.managed_by = 'SCIM' and u.state = 'PROVISIONED'
        and not exists (select 1 from identity.group_membership m where m.user_id = u.id and m.source = 'SCIM')
      order by u.id`,
    [tenantId, pgArray(userIds)],
  )) as { id: string }[];
  const ids = orphans.map((o) => o.id);
  const releasedSeats = await deprovisionUsers(em, call, tenantId, ids, "LAST_SCIM_GROUP_REMOVED");
  return { deprovisioned: ids, releasedSeats };
}
