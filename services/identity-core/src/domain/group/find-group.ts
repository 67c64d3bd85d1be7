import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Group, GroupSchema } from "../../storage/entities.js";
import { notFound } from "../domain-error.js";

/**
 * How a transaction that changes a group holds its row.
 * - `KEY_SHARE` (membership changes): the lock the memberships' foreign key takes at commit
 *   anyway, taken up front. Membership changes never block each other or a rename (R25), but
 *   a delete waits for them — and they for a delete — so no membership lands in a deleted
 *   group or tombstone, and an IdP delete sees, locks and judges (R7) every member.
 * - `UPDATE` (deletes and moves): waits for membership changes in flight.
 */
export type GroupLock = "KEY_SHARE" | "UPDATE";

/**
 * Loads a live group of the tenant. A group deleted in the admin panel answers NOT_FOUND
 * with its own reason and a detail saying so (R18) — only to its own tenant.
 */
export async function findGroup(
  em: EntityManager,
  tenantId: string,
  groupId: string,
  lock?: GroupLock,
): Promise<Group> {
  return liveGroup(groupId, isUuid(groupId) ? await load(em, tenantId, groupId, lock) : null);
}

/** The group as found, when it is there and live; NOT_FOUND as findGroup answers it otherwise. */
export function liveGroup<G extends { deletedAt?: Date | null | undefined }>(
  groupId: string,
  group: G | null | undefined,
): G {
  if (!group) throw notFound("GROUP_NOT_FOUND", `group ${groupId} not found`);
  if (group.deletedAt) {
    throw notFound(
      "GROUP_DELETED_IN_ADMIN_PANEL",
      `group ${groupId} was deleted in the Cosafe admin panel on ${group.deletedAt.toISOString().slice(0, 10)}`,
    );
  }
  return group;
}

async function load(em: EntityManager, tenantId: string, groupId: string, lock?: GroupLock) {
  if (!lock) return em.findOne(GroupSchema, { id: groupId, tenantId });
  const [row] = (await em.execute(
    `select * from identity.app_group where id = ? and tenant_id = ? for ${lock === "UPDATE" ? "update" : "key share"}`,
    [groupId, tenantId],
  )) as Record<string, unknown>[];
  return row ? em.map(GroupSchema, row) : null;
}
