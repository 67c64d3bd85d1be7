import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Group, GroupSchema } from "../../storage/entities.js";
import { notFound } from "../domain-error.js";

/**
 * Loads a live group of the tenant. A group deleted in the admin panel answers NOT_FOUND
 * with its own reason and a detail saying so (R18) — only to its own tenant.
 */
export async function findGroup(em: EntityManager, tenantId: string, groupId: string): Promise<Group> {
  const group = isUuid(groupId) ? await em.findOne(GroupSchema, { id: groupId, tenantId }) : null;
  if (!group) throw notFound("GROUP_NOT_FOUND", `group ${groupId} not found`);
  if (group.deletedAt) {
    throw notFound(
      "GROUP_DELETED_IN_ADMIN_PANEL",
      `group ${groupId} was deleted in the Cosafe admin panel on ${group.deletedAt.toISOString().slice(0, 10)}`,
    );
  }
  return group;
}
