import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";
import { recordAuditBatch } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";

/**
 * R12: the identity provider's first write to a manual user adopts it — managedBy becomes
 * SCIM, audited — before the write applies.
 */
export async function adoptUsers(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
) {
  if (userIds.length === 0) return;
  const rows = (await em.execute(
    `update identity.app_user set managed_by = 'SCIM', version = version + 1, updated_at = now()
      where tenant_id = ? and id = any(?::uuid[]) and managed_by = 'MANUAL' returning id`,
    [tenantId, pgArray(userIds)],
  )) as { id: string }[];
  recordAuditBatch(
    em,
    call,
    rows.map((r) => ({
      tenantId,
      action: "user.adopted",
      targetType: "user",
      targetId: r.id,
      before: { managedBy: "MANUAL" },
      after: { managedBy: "SCIM" },
    })),
  );
  await recordChanges(
    em,
    tenantId,
    rows.map((r) => ({ type: "USER_UPDATED", userId: r.id })),
  );
}
