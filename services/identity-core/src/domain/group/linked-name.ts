import type { EntityManager } from "@mikro-orm/postgresql";
import { alreadyExists } from "../domain-error.js";

/**
 * R13: among SCIM-linked groups of a tenant the displayName is unique, case-insensitively
 * (Entra matches groups by it). Names the group that holds it. The partial unique index
 * app_group_tenant_linked_name_uq is the guard under concurrency; this check gives the
 * helpful message in the common case.
 */
export async function assertLinkedNameFree(
  em: EntityManager,
  tenantId: string,
  displayName: string,
  exceptId?: string,
) {
  const [clash] = (await em.execute(
    `select id from identity.app_group
      where tenant_id = ? and scim_linked and deleted_at is null and lower(display_name) = lower(?) and id <> ?::uuid
      limit 1`,
    [tenantId, displayName, exceptId ?? "00000000-0000-0000-0000-000000000000"],
  )) as { id: string }[];
  if (clash) {
    throw alreadyExists(
      "GROUP_NAME_TAKEN",
      `displayName "${displayName}" is already used by SCIM-linked group ${clash.id}`,
    );
  }
}
