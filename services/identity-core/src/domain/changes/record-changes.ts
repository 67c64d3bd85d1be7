import type { EntityManager } from "@mikro-orm/postgresql";
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
 * however many there are, so they commit — or vanish — with the change itself.
 */
export async function recordChanges(
  em: EntityManager,
  tenantId: string,
  changes: readonly Change[],
): Promise<void> {
  if (changes.length === 0) return;
  await em.execute(
    `insert into identity.change_event (tenant_id, type, user_id, group_id)
     select ?::uuid, c.type, nullif(c.user_id, '')::uuid, nullif(c.group_id, '')::uuid
     from unnest(?::text[], ?::text[], ?::text[]) with ordinality as c(type, user_id, group_id, n)
     order by c.n`,
    [
      tenantId,
      pgArray(changes.map((c) => c.type)),
      pgArray(changes.map((c) => c.userId ?? "")),
      pgArray(changes.map((c) => c.groupId ?? "")),
    ],
  );
}
