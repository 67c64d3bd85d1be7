import type { EntityManager } from "@mikro-orm/postgresql";
import { membershipVersionShards } from "../../storage/membership-version.js";
import { pgArray } from "../../storage/sql/pg-array.js";

/** Domain events the rest of Cosafe follows (R22b). */
export type ChangeType =
  | "USER_PROVISIONED"
  | "USER_UPDATED"
  | "USER_DEPROVISIONED"
  | "USER_DELETED"
  | "MEMBERSHIP_CHANGED"
  | "GROUP_CHANGED";

export interface Change {
  type: ChangeType;
  userId?: string | undefined;
  groupId?: string | undefined;
}

/**
 * Appends domain events to the outbox in the caller's transaction, with one statement
 * however many there are, so they commit — or vanish — with the change itself. The same
 * statement advances the membership version of every group with a MEMBERSHIP_CHANGED event
 * (group ETags, R25): on this session's own counter row, never on the group row.
 */
export async function recordChanges(
  em: EntityManager,
  tenantId: string,
  changes: readonly Change[],
): Promise<void> {
  if (changes.length === 0) return;
  await em.execute(
    `with events as (
       insert into identity.change_event (tenant_id, type, user_id, group_id)
       select ?::uuid, c.type, nullif(c.user_id, '')::uuid, nullif(c.group_id, '')::uuid
       from unnest(?::text[], ?::text[], ?::text[]) with ordinality as c(type, user_id, group_id, n)
       order by c.n
       returning type, group_id
     )
     insert into identity.group_membership_version as v (group_id, shard, changes)
     select group_id, pg_backend_pid() % ${membershipVersionShards}, count(*) from events
      where type = 'MEMBERSHIP_CHANGED' and group_id is not null
      group by group_id order by group_id
     on conflict (group_id, shard) do update set changes = v.changes + excluded.changes`,
    [
      tenantId,
      pgArray(changes.map((c) => c.type)),
      pgArray(changes.map((c) => c.userId ?? "")),
      pgArray(changes.map((c) => c.groupId ?? "")),
    ],
  );
}
