import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { deleteSeatReleasesOfUsers } from "../../storage/seat-release-queries.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { recordAuditBatch } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";

/**
 * R4: re-provisions deprovisioned users with the seats taken for them beforehand: access
 * returns, dormant SCIM memberships come back, and the user re-enters the tenant's default
 * account and the account of each group whose membership came back. Manual memberships
 * removed by the deprovisioning do not come back. Returns the ids actually re-provisioned
 * (a user provisioned meanwhile keeps its state, and its pre-taken seat is not used).
 * Releases still owed for these users are dropped first: the seat taken for a user may be
 * the very seat such a release names (allocation is idempotent per user).
 * Group adds call it; a user's active=true writes the same effects in its one write
 * statement (storage/user-write-sql.ts, issue 10): a change to one changes both.
 */
export async function reprovisionUsers(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  defaultAccountId: string,
  seats: ReadonlyMap<string, string | null>,
): Promise<string[]> {
  if (seats.size === 0) return [];
  const userIds = [...seats.keys()];
  await deleteSeatReleasesOfUsers(em, tenantId, userIds);
  const rows = (await em.execute(
    `update identity.app_user u
        set active = true, state = 'PROVISIONED', deprovisioned_at = null, deprovision_reason = null,
            seat_id = nullif(s.seat_id, '')::uuid, version = u.version + 1, updated_at = now()
       from unnest(?::uuid[], ?::text[]) as s(user_id, seat_id)
      where u.id = s.user_id and u.tenant_id = ? and u.state = 'DEPROVISIONED'
      returning u.id`,
    [pgArray(userIds), pgArray(userIds.map((id) => seats.get(id) ?? "")), tenantId],
  )) as { id: string }[];
  if (rows.length === 0) return [];
  const ids = pgArray(rows.map((r) => r.id));
  await em.execute("update identity.group_membership set state = 'ACTIVE' where user_id = any(?::uuid[])", [
    ids,
  ]);
  await em.execute(
    `insert into identity.account_membership (account_id, user_id, tenant_id)
     select ?::uuid, u.id, ?::uuid from unnest(?::uuid[]) as u(id)
     union
     select g.account_id, m.user_id, ?::uuid
       from identity.group_membership m join identity.app_group g on g.id = m.group_id
      where m.user_id = any(?::uuid[]) and g.deleted_at is null
     on conflict do nothing`,
    [defaultAccountId, tenantId, ids, tenantId, ids],
  );
  recordAuditBatch(
    em,
    call,
    rows.map((r) => ({
      tenantId,
      action: "user.reprovisioned",
      targetType: "user",
      targetId: r.id,
      before: { state: "DEPROVISIONED" },
      after: { state: "PROVISIONED", active: true },
    })),
  );
  await recordChanges(
    em,
    tenantId,
    rows.map((r) => ({ type: "USER_PROVISIONED", userId: r.id })),
  );
  return rows.map((r) => r.id);
}
