import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { insertSeatReleases } from "../../storage/seat-release-queries.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { recordAuditBatch } from "../audit/record-audit.js";
import { checkBrake, countDeprovisions, type DeprovisionKind, isBraked } from "../brake/brake-check.js";
import { recordChanges } from "../changes/record-changes.js";

export type DeprovisionReason = "INACTIVE" | "LAST_SCIM_GROUP_REMOVED" | "ADMIN";

/**
 * A seat given up by a deprovisioning: written to the seat-release outbox in the
 * deprovisioning's transaction, tried after commit and retried until licensing confirms it
 * (R9, R19, docs/adr/0013-seat-release-outbox.md).
 */
export interface ReleasedSeat {
  userId: string;
  seatId: string;
}

/**
 * R4: deprovisions the given users of a tenant in one set-based pass — access ends, every
 * account membership and manual group membership goes, SCIM memberships turn dormant, the
 * seat's release is owed in the outbox, in this transaction, and tried after commit. Users
 * already deprovisioned are left as they are.
 * The caller holds the users' row locks (R7 locks them in id order).
 * By the identity provider, the mass-deprovision brake decides first (docs/adr/0012): over
 * the tenant's threshold the whole set is refused with DeprovisionHeld and nothing is stored;
 * only established users count (the IdP's own young users never do).
 * `kind` tells a DELETE from an active=false; it defaults from the reason.
 * The group paths (R7, R17) call it; a single user's active=false and DELETE write the same
 * effects in their one write statement (storage/user-write-sql.ts, issue 10): a change to
 * what deprovisioning means changes both.
 */
export async function deprovisionUsers(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
  reason: DeprovisionReason,
  kind?: DeprovisionKind,
): Promise<ReleasedSeat[]> {
  if (userIds.length === 0) return [];
  let established: string[] = [];
  if (isBraked(call) && reason !== "ADMIN") {
    const provisioned = (await em.execute(
      "select id from identity.app_user where tenant_id = ? and id = any(?::uuid[]) and state = 'PROVISIONED' order by id",
      [tenantId, pgArray(userIds)],
    )) as { id: string }[];
    established = await checkBrake(
      em,
      call,
      tenantId,
      provisioned.map((r) => r.id),
      kind ?? (reason === "LAST_SCIM_GROUP_REMOVED" ? "LAST_SCIM_GROUP_REMOVED" : "INACTIVE"),
    );
  }
  const rows = (await em.execute(
    `update identity.app_user u
        set active = false, state = 'DEPROVISIONED', deprovisioned_at = now(), deprovision_reason = ?,
            seat_id = null, version = u.version + 1, updated_at = now()
       from (select id, seat_id from identity.app_user
              where tenant_id = ? and id = any(?::uuid[]) and state = 'PROVISIONED' order by id for update) old
      where u.id = old.id
      returning u.id, old.seat_id`,
    [reason, tenantId, pgArray(userIds)],
  )) as { id: string; seat_id: string | null }[];
  if (rows.length === 0) return [];
  if (established.length > 0) {
    const done = new Set(rows.map((r) => r.id));
    await countDeprovisions(
      em,
      call,
      tenantId,
      established.filter((id) => done.has(id)),
    );
  }
  const ids = pgArray(rows.map((r) => r.id));
  await em.execute("delete from identity.account_membership where user_id = any(?::uuid[])", [ids]);
  const leftGroups = (await em.execute(
    "delete from identity.group_membership where user_id = any(?::uuid[]) and source = 'MANUAL' returning group_id",
    [ids],
  )) as { group_id: string }[];
  await em.execute("update identity.group_membership set state = 'DORMANT' where user_id = any(?::uuid[])", [
    ids,
  ]);
  recordAuditBatch(
    em,
    call,
    rows.map((r) => ({
      tenantId,
      action: "user.deprovisioned",
      targetType: "user",
      targetId: r.id,
      before: { state: "PROVISIONED" },
      after: { state: "DEPROVISIONED", active: false, reason },
    })),
  );
  await recordChanges(em, tenantId, [
    ...rows.map((r) => ({ type: "USER_DEPROVISIONED" as const, userId: r.id })),
    // Groups that lost a manual member changed too (their SCIM view and ETag, R10).
    ...[...new Set(leftGroups.map((g) => g.group_id))].map((groupId) => ({
      type: "MEMBERSHIP_CHANGED" as const,
      groupId,
    })),
  ]);
  const released = rows.filter((r) => r.seat_id).map((r) => ({ userId: r.id, seatId: r.seat_id as string }));
  await insertSeatReleases(em, tenantId, released);
  return released;
}
