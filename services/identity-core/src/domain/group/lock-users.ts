import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";

export interface LockedUser {
  id: string;
  managed_by: "MANUAL" | "SCIM";
  state: "PROVISIONED" | "DEPROVISIONED";
  deprovision_reason: string | null;
}

/**
 * Row-locks the given users of a tenant in id order — the one lock order every membership
 * change uses, so parallel changes serialise per user without deadlocks (R7).
 * Ids that name no user of this tenant are simply absent from the result.
 */
export async function lockUsers(
  em: EntityManager,
  tenantId: string,
  userIds: readonly string[],
): Promise<LockedUser[]> {
  if (userIds.length === 0) return [];
  return (await em.execute(
    `select id, managed_by, state, deprovision_reason from identity.app_user
      where tenant_id = ? and id = any(?::uuid[]) order by id for update`,
    [tenantId, pgArray(userIds)],
  )) as LockedUser[];
}
